package controllerinstallation_test

import (
	"os"
	"testing"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/controllerinstallation"
	"github.com/hortus-dev/hortus/pkg/helmchart"
)

func testSeed() *gardencorev1beta1.Seed {
	return &gardencorev1beta1.Seed{
		ObjectMeta: metav1.ObjectMeta{Name: "local", Labels: map[string]string{"base": "local"}},
		Spec: gardencorev1beta1.SeedSpec{
			Provider: gardencorev1beta1.SeedProvider{Type: "local", Region: "local-1"},
			Networks: gardencorev1beta1.SeedNetworks{Pods: "10.1.0.0/16", Services: "10.2.0.0/16"},
		},
		Status: gardencorev1beta1.SeedStatus{ClusterIdentity: ptr.To("seed-id")},
	}
}

// testChart packages testdata/chart.
func testChart(t *testing.T) []byte {
	t.Helper()
	archive, err := helmchart.Package(os.DirFS("testdata/chart"), ".")
	if err != nil {
		t.Fatal(err)
	}
	return archive
}

func TestInjectedValues(t *testing.T) {
	g := NewWithT(t)
	values, err := controllerinstallation.InjectedValues(testSeed(), controllerinstallation.Identity{
		Version: "v1.2.3", GardenClusterIdentity: "garden-id", FeatureGates: map[string]bool{"Foo": true},
	})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(values).To(HaveKeyWithValue("gardener", And(
		HaveKeyWithValue("version", "v1.2.3"),
		HaveKeyWithValue("garden", HaveKeyWithValue("clusterIdentity", "garden-id")),
		HaveKeyWithValue("gardenlet", HaveKeyWithValue("featureGates", HaveKeyWithValue("Foo", true))),
		HaveKeyWithValue("seed", And(
			HaveKeyWithValue("name", "local"),
			HaveKeyWithValue("provider", "local"),
			HaveKeyWithValue("region", "local-1"),
			HaveKeyWithValue("clusterIdentity", "seed-id"),
			HaveKeyWithValue("labels", HaveKeyWithValue("base", "local")),
			// The spec is plain data, as the templates read it.
			HaveKeyWithValue("spec", HaveKeyWithValue("networks", HaveKeyWithValue("pods", "10.1.0.0/16"))),
		)),
	)))

	values, err = controllerinstallation.InjectedValues(testSeed(), controllerinstallation.Identity{Version: "v1"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(values["gardener"]).To(HaveKeyWithValue("garden", BeEmpty()), "no garden identity without one")
}

func TestMergeValues(t *testing.T) {
	g := NewWithT(t)
	base := map[string]any{"a": 1, "nested": map[string]any{"keep": "x", "over": "base"}, "gardener": map[string]any{"version": "fake"}}
	override := map[string]any{"nested": map[string]any{"over": "override"}, "gardener": map[string]any{"version": "v1"}, "b": 2}
	got := controllerinstallation.MergeValues(base, override)
	g.Expect(got).To(Equal(map[string]any{
		"a": 1, "b": 2,
		"nested":   map[string]any{"keep": "x", "over": "override"},
		"gardener": map[string]any{"version": "v1"},
	}))
	g.Expect(base["nested"]).To(HaveKeyWithValue("over", "base"), "the arguments stay unchanged")
	g.Expect(controllerinstallation.MergeValues(nil, override)).To(HaveKeyWithValue("b", 2))
}

// TestRenderWithInjectedValues renders the test chart as the reconciler does and checks
// what the templates saw: the release, the deployment's values and the injected ones,
// which win over the deployment's.
func TestRenderWithInjectedValues(t *testing.T) {
	g := NewWithT(t)
	injected, err := controllerinstallation.InjectedValues(testSeed(), controllerinstallation.Identity{
		Version: "v1.2.3", GardenClusterIdentity: "garden-id", FeatureGates: map[string]bool{"Foo": true},
	})
	g.Expect(err).NotTo(HaveOccurred())
	deploymentValues := map[string]any{"greeting": "servus", "gardener": map[string]any{"version": "not-this"}}
	objs, err := helmchart.Render(testChart(t), helmchart.Release{Name: "test", Namespace: "extension-test"},
		controllerinstallation.MergeValues(deploymentValues, injected))
	g.Expect(err).NotTo(HaveOccurred())

	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o.GetKind()+"/"+o.GetName())
	}
	// Helm's install order: ServiceAccounts, ConfigMaps, then Deployments.
	g.Expect(kinds).To(Equal([]string{"ServiceAccount/controller", "ConfigMap/extra", "ConfigMap/values", "Deployment/controller"}))
	g.Expect(objs[2].Object["data"]).To(Equal(map[string]any{
		"release":        "test",
		"namespace":      "extension-test",
		"greeting":       "servus",
		"version":        "v1.2.3",
		"gardenIdentity": "garden-id",
		"seedName":       "local",
		"seedProvider":   "local",
		"seedRegion":     "local-1",
		"seedLabel":      "local",
		"seedPods":       "10.1.0.0/16",
		"featureGates":   `{"Foo":true}`,
	}))
}
