package resourcereferencemanager_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/gardener/gardener/pkg/apis/security"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/admission/admissiontest"
	"github.com/hortus-dev/hortus/pkg/admission/reader"
	"github.com/hortus-dev/hortus/pkg/admission/resourcereferencemanager"
)

func newShoot() *core.Shoot {
	return &core.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: "test", Namespace: "garden-dev"},
		Spec: core.ShootSpec{
			CloudProfile:           &core.CloudProfileReference{Kind: "CloudProfile", Name: "local"},
			CredentialsBindingName: ptr.To("local"),
			Provider:               core.Provider{Type: "local"},
		},
	}
}

func credentialsBinding() *securityv1alpha1.CredentialsBinding {
	return &securityv1alpha1.CredentialsBinding{ObjectMeta: metav1.ObjectMeta{Name: "local", Namespace: "garden-dev"}}
}

func notFound(g Gomega, err error) []string {
	g.ExpectWithOffset(1, apierrors.IsInvalid(err)).To(BeTrue(), "want an Invalid error, got %v", err)
	var fields []string
	for _, c := range err.(apierrors.APIStatus).Status().Details.Causes {
		g.ExpectWithOffset(1, c.Type).To(Equal(metav1.CauseType(field.ErrorTypeNotFound)))
		fields = append(fields, c.Field)
	}
	return fields
}

func TestShootReferences(t *testing.T) {
	tests := []struct {
		name       string
		mutate     func(*core.Shoot)
		objects    []client.Object
		wantFields []string
	}{
		{name: "everything exists", objects: []client.Object{admissiontest.CloudProfile(), credentialsBinding()}},
		{name: "a missing CredentialsBinding", objects: []client.Object{admissiontest.CloudProfile()}, wantFields: []string{"spec.credentialsBindingName"}},
		{
			name:       "a missing SecretBinding",
			mutate:     func(s *core.Shoot) { s.Spec.CredentialsBindingName, s.Spec.SecretBindingName = nil, ptr.To("local") },
			objects:    []client.Object{admissiontest.CloudProfile()},
			wantFields: []string{"spec.secretBindingName"},
		},
		{name: "a missing CloudProfile", objects: []client.Object{credentialsBinding()}, wantFields: []string{"spec.cloudProfile.name"}},
		{
			name:       "a missing NamespacedCloudProfile",
			mutate:     func(s *core.Shoot) { s.Spec.CloudProfile.Kind = "NamespacedCloudProfile" },
			objects:    []client.Object{admissiontest.CloudProfile(), credentialsBinding()},
			wantFields: []string{"spec.cloudProfile.name"},
		},
		{
			name:       "a missing seed and exposure class",
			mutate:     func(s *core.Shoot) { s.Spec.SeedName, s.Spec.ExposureClassName = ptr.To("seed"), ptr.To("internet") },
			objects:    []client.Object{admissiontest.CloudProfile(), credentialsBinding()},
			wantFields: []string{"spec.seedName", "spec.exposureClassName"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			shoot := newShoot()
			if tt.mutate != nil {
				tt.mutate(shoot)
			}
			err := resourcereferencemanager.ValidateShoot(context.Background(), admissiontest.Attributes(admission.Create, "Shoot", shoot, nil), admissiontest.Reader(tt.objects...))
			if len(tt.wantFields) == 0 {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(notFound(g, err)).To(ConsistOf(tt.wantFields))
		})
	}

	t.Run("an update that keeps the references", func(t *testing.T) {
		g := NewWithT(t)
		old := newShoot()
		shoot := old.DeepCopy()
		shoot.Spec.Region = "other"
		g.Expect(resourcereferencemanager.ValidateShoot(context.Background(), admissiontest.Attributes(admission.Update, "Shoot", shoot, old), admissiontest.Reader())).To(Succeed())
	})
}

func shootUsing(namespace, name, version string, profile gardencorev1beta1.CloudProfileReference, image *gardencorev1beta1.ShootMachineImage) *gardencorev1beta1.Shoot {
	s := &gardencorev1beta1.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: gardencorev1beta1.ShootSpec{
			CloudProfile: &profile,
			Kubernetes:   gardencorev1beta1.Kubernetes{Version: version},
		},
	}
	if image != nil {
		s.Spec.Provider.Workers = []gardencorev1beta1.Worker{{Name: "pool", Machine: gardencorev1beta1.Machine{Type: "local", Image: image}}}
	}
	return s
}

// internalProfile converts a versioned CloudProfile as the admission chain sees it.
func internalProfile(g Gomega, p *gardencorev1beta1.CloudProfile) *core.CloudProfile {
	out := &core.CloudProfile{}
	g.ExpectWithOffset(1, reader.Scheme.Convert(p, out, nil)).To(Succeed())
	return out
}

func TestCloudProfileUpdate(t *testing.T) {
	local := gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: "local"}
	other := gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: "other"}
	custom := gardencorev1beta1.CloudProfileReference{Kind: "NamespacedCloudProfile", Name: "custom"}
	withoutVersion := func(p *gardencorev1beta1.CloudProfile, version string) {
		var versions []gardencorev1beta1.ExpirableVersion
		for _, v := range p.Spec.Kubernetes.Versions {
			if v.Version != version {
				versions = append(versions, v)
			}
		}
		p.Spec.Kubernetes.Versions = versions
	}
	manyShoots := func(n int) []client.Object {
		var objs []client.Object
		for i := range n {
			objs = append(objs, shootUsing("garden-dev", fmt.Sprintf("shoot-%d", i), "1.33.0", local, nil))
		}
		return objs
	}
	tests := []struct {
		name        string
		change      func(*gardencorev1beta1.CloudProfile)
		objects     []client.Object
		wantRefusal []string
		notWant     string
	}{
		{
			name:    "removing an unused version",
			change:  func(p *gardencorev1beta1.CloudProfile) { withoutVersion(p, "1.33.0") },
			objects: []client.Object{shootUsing("garden-dev", "a", "1.36.0", local, nil), shootUsing("garden-dev", "b", "1.33.0", other, nil)},
		},
		{
			name:        "removing a version in use",
			change:      func(p *gardencorev1beta1.CloudProfile) { withoutVersion(p, "1.33.0") },
			objects:     []client.Object{shootUsing("garden-dev", "a", "1.33.0", local, nil)},
			wantRefusal: []string{`cannot remove Kubernetes version 1.33.0 from CloudProfile "local": it is still in use by shoot garden-dev/a`},
		},
		{
			name:        "removing a version that many shoots use names five",
			change:      func(p *gardencorev1beta1.CloudProfile) { withoutVersion(p, "1.33.0") },
			objects:     manyShoots(8),
			wantRefusal: []string{"shoot garden-dev/shoot-0, shoot garden-dev/shoot-1, shoot garden-dev/shoot-2, shoot garden-dev/shoot-3, shoot garden-dev/shoot-4 and 3 more"},
			notWant:     "shoot-5",
		},
		{
			name:   "removing a version that a shoot of a NamespacedCloudProfile uses",
			change: func(p *gardencorev1beta1.CloudProfile) { withoutVersion(p, "1.33.0") },
			objects: []client.Object{
				&gardencorev1beta1.NamespacedCloudProfile{
					ObjectMeta: metav1.ObjectMeta{Name: "custom", Namespace: "garden-dev"},
					Spec:       gardencorev1beta1.NamespacedCloudProfileSpec{Parent: local},
				},
				shootUsing("garden-dev", "a", "1.33.0", custom, nil),
			},
			wantRefusal: []string{"shoot garden-dev/a"},
		},
		{
			name: "removing a machine image version in use",
			change: func(p *gardencorev1beta1.CloudProfile) {
				p.Spec.MachineImages[0].Versions = p.Spec.MachineImages[0].Versions[:1]
			},
			objects:     []client.Object{shootUsing("garden-dev", "a", "1.36.0", local, &gardencorev1beta1.ShootMachineImage{Name: "local", Version: ptr.To("1.0.0")})},
			wantRefusal: []string{`cannot remove machine image version local 1.0.0 from CloudProfile "local": it is still in use by shoot garden-dev/a (worker pool pool)`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			oldProfile := admissiontest.CloudProfile()
			newProfile := oldProfile.DeepCopy()
			tt.change(newProfile)
			attrs := admissiontest.Attributes(admission.Update, "CloudProfile", internalProfile(g, newProfile), internalProfile(g, oldProfile))
			err := resourcereferencemanager.ValidateCloudProfile(context.Background(), attrs, admissiontest.Reader(tt.objects...))
			if len(tt.wantRefusal) == 0 {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
			for _, s := range tt.wantRefusal {
				g.Expect(err).To(MatchError(ContainSubstring(s)))
			}
			if tt.notWant != "" {
				g.Expect(err).NotTo(MatchError(ContainSubstring(tt.notWant)))
			}
		})
	}
}

func TestBindingQuotas(t *testing.T) {
	g := NewWithT(t)
	binding := &security.CredentialsBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "local", Namespace: "garden-dev"},
		Quotas:     []corev1.ObjectReference{{Name: "exists"}, {Name: "gone", Namespace: "garden-trial"}},
	}
	r := admissiontest.Reader(&gardencorev1beta1.Quota{ObjectMeta: metav1.ObjectMeta{Name: "exists", Namespace: "garden-dev"}})
	err := resourcereferencemanager.ValidateBinding(context.Background(), admissiontest.Attributes(admission.Create, "CredentialsBinding", binding, nil), r)
	g.Expect(notFound(g, err)).To(ConsistOf("quotas[1]"))
}

func TestNamespacedCloudProfileParent(t *testing.T) {
	g := NewWithT(t)
	profile := &core.NamespacedCloudProfile{
		ObjectMeta: metav1.ObjectMeta{Name: "custom", Namespace: "garden-dev"},
		Spec:       core.NamespacedCloudProfileSpec{Parent: core.CloudProfileReference{Kind: "CloudProfile", Name: "gone"}},
	}
	err := resourcereferencemanager.ValidateNamespacedCloudProfile(context.Background(), admissiontest.Attributes(admission.Create, "NamespacedCloudProfile", profile, nil), admissiontest.Reader())
	g.Expect(notFound(g, err)).To(ConsistOf("spec.parent.name"))
}

func TestPlugin(t *testing.T) {
	g := NewWithT(t)
	p := resourcereferencemanager.New()
	p.UseReaders(admissiontest.Reader(admissiontest.CloudProfile()), nil)
	g.Expect(p.ValidateInitialization()).To(Succeed())
	err := p.Validate(context.Background(), admissiontest.Attributes(admission.Create, "Shoot", newShoot(), nil), nil)
	g.Expect(err).To(MatchError(ContainSubstring("spec.credentialsBindingName")))
	g.Expect(p.Handles(admission.Delete)).To(BeFalse())
}
