package compat_test

import (
	"bytes"
	"os"
	"testing"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/hortus-dev/hortus/pkg/api/compat"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		path string
		want compat.Support
	}{
		{"spec.region", compat.ActedOn},
		{"spec.provider.type", compat.ActedOn},
		{"spec.provider.workers[].minimum", compat.ActedOn},
		{"spec.networking.ipFamilies", compat.Validated},
		{"spec.provider.workers[].providerConfig.foo", compat.Stored},
		{"spec.addons.kubernetesDashboard.enabled", compat.Stored},
		{"spec.kubernetes.version", compat.ActedOn},
		{"spec.kubernetes.kubeAPIServer.featureGates.Foo", compat.ActedOn},
		{"spec.hibernation.enabled", compat.ActedOn},
		{"spec.kubernetes.kubeAPIServer", compat.Stored},
		{"spec.unknownFutureField", compat.Stored},
		{"spec.provider.infrastructureConfig", compat.Stored},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			NewWithT(t).Expect(compat.Lookup(compat.ShootRules, tt.path).Support).To(Equal(tt.want))
		})
	}
}

func TestShootWarnings(t *testing.T) {
	g := NewWithT(t)
	shoot := &gardencorev1beta1.Shoot{Spec: gardencorev1beta1.ShootSpec{
		Region: "local",
		Provider: gardencorev1beta1.Provider{
			Type:                 "local",
			InfrastructureConfig: &runtime.RawExtension{Raw: []byte(`{"a":1}`)},
			Workers:              []gardencorev1beta1.Worker{{Name: "w", Minimum: 1, Maximum: 2, ProviderConfig: &runtime.RawExtension{Raw: []byte(`{"b":2}`)}}},
		},
		Addons: &gardencorev1beta1.Addons{NginxIngress: &gardencorev1beta1.NginxIngress{Addon: gardencorev1beta1.Addon{Enabled: true}}},
		Kubernetes: gardencorev1beta1.Kubernetes{
			Version: "1.36.3",
			KubeAPIServer: &gardencorev1beta1.KubeAPIServerConfig{
				EnableAnonymousAuthentication: ptr.To(true),
				APIAudiences:                  []string{"x"},
				KubernetesConfig:              gardencorev1beta1.KubernetesConfig{FeatureGates: map[string]bool{"Foo": true}},
			},
		},
		Purpose: ptr.To(gardencorev1beta1.ShootPurposeEvaluation),
	}}
	w := compat.ShootWarnings(shoot)
	g.Expect(w).To(ContainElements(
		ContainSubstring("spec.addons is stored but not acted on"),
		ContainSubstring("spec.kubernetes.kubeAPIServer is stored but not acted on"),
		ContainSubstring("spec.provider.workers[].providerConfig is stored but not acted on"),
		ContainSubstring("spec.provider.infrastructureConfig is stored but not acted on"),
	))
	g.Expect(w).To(HaveLen(4))
	g.Expect(w).NotTo(ContainElement(ContainSubstring("spec.provider.workers is")))
	g.Expect(w).NotTo(ContainElement(ContainSubstring("spec.region")))
	g.Expect(w).NotTo(ContainElement(ContainSubstring("spec.kubernetes.version")))
	g.Expect(w).NotTo(ContainElement(ContainSubstring("featureGates")))
	g.Expect(w).NotTo(ContainElement(ContainSubstring("spec.purpose")))
	g.Expect(w).NotTo(ContainElement(ContainSubstring("spec.addons.")), "one warning per unsupported subtree")
}

func TestNoWarningsForSupportedFieldsOnly(t *testing.T) {
	shoot := &gardencorev1beta1.Shoot{Spec: gardencorev1beta1.ShootSpec{Region: "r", Provider: gardencorev1beta1.Provider{Type: "local"}}}
	NewWithT(t).Expect(compat.ShootWarnings(shoot)).To(BeEmpty())
}

// TestDocIsGenerated guards docs/api-compatibility.md against drifting from the table.
func TestDocIsGenerated(t *testing.T) {
	g := NewWithT(t)
	want, err := os.ReadFile("../../../docs/api-compatibility.md")
	g.Expect(err).NotTo(HaveOccurred(), "run 'make generate'")
	var got bytes.Buffer
	compat.WriteMarkdown(&got)
	g.Expect(got.String()).To(Equal(string(want)), "docs/api-compatibility.md is out of date: run 'make generate'")
}
