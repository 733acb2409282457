package extensioncrds_test

import (
	"context"
	"encoding/json"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/extensioncrds"
)

// install runs Install, bounded by a minute.
func install(ctx context.Context) {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	Expect(extensioncrds.Install(ctx, c)).To(Succeed())
}

// established matches a CRD with the condition Established=True.
func established() OmegaMatcher {
	return HaveField("Status.Conditions", ContainElement(And(
		HaveField("Type", apiextensionsv1.Established), HaveField("Status", apiextensionsv1.ConditionTrue),
	)))
}

var _ = Describe("Install", func() {
	It("installs every extension CRD by server-side apply and returns once each is established", func(ctx context.Context) {
		install(ctx)

		want, err := extensioncrds.CRDs()
		Expect(err).NotTo(HaveOccurred())
		Expect(want).To(HaveLen(17), "13 extension kinds and 4 machine kinds")
		for _, w := range want {
			got := &apiextensionsv1.CustomResourceDefinition{}
			Expect(c.Get(ctx, client.ObjectKey{Name: w.Name}, got)).To(Succeed())
			Expect(got).To(established(), w.Name)
			Expect(got.Spec.Names).To(Equal(w.Spec.Names), w.Name)
			version := And(HaveField("Name", "v1alpha1"), HaveField("Served", true), HaveField("Storage", true))
			if w.Name != "machineclasses.machine.sapcloud.io" { // MCM's MachineClass has no status
				version = And(version, HaveField("Subresources.Status", Not(BeNil())))
			}
			Expect(got.Spec.Versions).To(ConsistOf(version), w.Name)
			Expect(got.ManagedFields).To(ContainElement(And(
				HaveField("Manager", extensioncrds.FieldManager), HaveField("Operation", metav1.ManagedFieldsOperationApply),
			)), w.Name)
		}
	})

	It("is idempotent: installing again leaves every CRD's spec as it is", func(ctx context.Context) {
		install(ctx)
		generations := func() map[string]int64 {
			crds := &apiextensionsv1.CustomResourceDefinitionList{}
			Expect(c.List(ctx, crds)).To(Succeed())
			out := map[string]int64{}
			for _, crd := range crds.Items {
				if crd.Spec.Group == extensionsv1alpha1.SchemeGroupVersion.Group {
					out[crd.Name] = crd.Generation
				}
			}
			return out
		}
		before := generations()
		Expect(before).To(HaveLen(13))

		install(ctx)
		Expect(generations()).To(Equal(before), "a spec changed")
	})

	It("takes back fields that another manager changed", func(ctx context.Context) {
		install(ctx)
		const name = "infrastructures.extensions.gardener.cloud"
		crd := &apiextensionsv1.CustomResourceDefinition{}
		Expect(c.Get(ctx, client.ObjectKey{Name: name}, crd)).To(Succeed())
		crd.Spec.Names.ShortNames = []string{"somethingelse"}
		Expect(c.Update(ctx, crd, client.FieldOwner("test"))).To(Succeed())

		install(ctx)
		Expect(c.Get(ctx, client.ObjectKey{Name: name}, crd)).To(Succeed())
		Expect(crd.Spec.Names.ShortNames).To(Equal([]string{"infra"}))
	})
})

var _ = Describe("extension resources", func() {
	BeforeEach(func(ctx context.Context) {
		install(ctx)
	})

	It("stores a Cluster and reads it back", func(ctx context.Context) {
		shoot := &gardencorev1beta1.Shoot{
			TypeMeta:   metav1.TypeMeta{APIVersion: gardencorev1beta1.SchemeGroupVersion.String(), Kind: "Shoot"},
			ObjectMeta: metav1.ObjectMeta{Name: "crd", Namespace: "garden-test"},
			Spec:       gardencorev1beta1.ShootSpec{Region: "local", Provider: gardencorev1beta1.Provider{Type: "local"}},
		}
		cluster := &extensionsv1alpha1.Cluster{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "shoot--test--"},
			Spec: extensionsv1alpha1.ClusterSpec{
				CloudProfile: runtime.RawExtension{Raw: []byte(`{"apiVersion":"core.gardener.cloud/v1beta1","kind":"CloudProfile","metadata":{"name":"local"}}`)},
				Seed:         runtime.RawExtension{Raw: []byte(`{"apiVersion":"core.gardener.cloud/v1beta1","kind":"Seed","metadata":{"name":"local"}}`)},
				Shoot:        runtime.RawExtension{Object: shoot},
			},
		}
		Expect(c.Create(ctx, cluster)).To(Succeed())
		DeferCleanup(func(ctx context.Context) { Expect(c.Delete(ctx, cluster)).To(Succeed()) })

		got := &extensionsv1alpha1.Cluster{}
		Expect(c.Get(ctx, client.ObjectKeyFromObject(cluster), got)).To(Succeed())
		Expect(got.UID).To(Equal(cluster.UID))
		Expect(string(got.Spec.CloudProfile.Raw)).To(MatchJSON(cluster.Spec.CloudProfile.Raw))
		Expect(string(got.Spec.Seed.Raw)).To(MatchJSON(cluster.Spec.Seed.Raw))
		gotShoot := &gardencorev1beta1.Shoot{}
		Expect(json.Unmarshal(got.Spec.Shoot.Raw, gotShoot)).To(Succeed())
		Expect(gotShoot.Kind).To(Equal("Shoot"))
		Expect(gotShoot.Name).To(Equal("crd"))
		Expect(gotShoot.Spec.Region).To(Equal("local"))
		Expect(gotShoot.Spec.Provider.Type).To(Equal("local"))
	})

	It("stores an Infrastructure, its status through the status subresource, and validates it", func(ctx context.Context) {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "shoot--extensioncrds-"}}
		Expect(c.Create(ctx, ns)).To(Succeed())
		DeferCleanup(func(ctx context.Context) { Expect(c.Delete(ctx, ns)).To(Succeed()) })

		infra := &extensionsv1alpha1.Infrastructure{
			ObjectMeta: metav1.ObjectMeta{Name: "shoot", Namespace: ns.Name},
			Spec: extensionsv1alpha1.InfrastructureSpec{
				DefaultSpec: extensionsv1alpha1.DefaultSpec{
					Type:           "local",
					Class:          ptr.To(extensionsv1alpha1.ExtensionClassShoot),
					ProviderConfig: &runtime.RawExtension{Raw: []byte(`{"apiVersion":"local.provider.extensions.gardener.cloud/v1alpha1","kind":"InfrastructureConfig","networks":{"vpc":"10.0.0.0/16"}}`)},
				},
				Region:    "local",
				SecretRef: corev1.SecretReference{Name: "cloudprovider", Namespace: ns.Name},
			},
		}
		Expect(c.Create(ctx, infra)).To(Succeed())

		got := &extensionsv1alpha1.Infrastructure{}
		Expect(c.Get(ctx, client.ObjectKeyFromObject(infra), got)).To(Succeed())
		Expect(got.Spec.Type).To(Equal("local"))
		Expect(got.Spec.Region).To(Equal("local"))
		Expect(got.Spec.SecretRef).To(Equal(infra.Spec.SecretRef))
		Expect(got.Spec.Class).To(HaveValue(Equal(extensionsv1alpha1.ExtensionClassShoot)))
		Expect(got.Spec.ProviderConfig).NotTo(BeNil())
		Expect(string(got.Spec.ProviderConfig.Raw)).To(MatchJSON(infra.Spec.ProviderConfig.Raw), "unknown fields of providerConfig are preserved")

		By("writing the status through the status subresource")
		got.Status.LastOperation = &gardencorev1beta1.LastOperation{
			Type: gardencorev1beta1.LastOperationTypeCreate, State: gardencorev1beta1.LastOperationStateSucceeded,
			Progress: 100, Description: "created", LastUpdateTime: metav1.Now(),
		}
		got.Status.NodesCIDR = ptr.To("10.0.1.0/24")
		Expect(c.Status().Update(ctx, got)).To(Succeed())
		Expect(c.Get(ctx, client.ObjectKeyFromObject(infra), got)).To(Succeed())
		Expect(got.Status.LastOperation).To(HaveValue(HaveField("State", gardencorev1beta1.LastOperationStateSucceeded)))
		Expect(got.Status.NodesCIDR).To(HaveValue(Equal("10.0.1.0/24")))

		By("ignoring status changes on the main resource")
		generation := got.Generation
		got.Status.NodesCIDR = ptr.To("10.0.2.0/24")
		Expect(c.Update(ctx, got)).To(Succeed())
		Expect(c.Get(ctx, client.ObjectKeyFromObject(infra), got)).To(Succeed())
		Expect(got.Status.NodesCIDR).To(HaveValue(Equal("10.0.1.0/24")))
		Expect(got.Generation).To(Equal(generation))

		By("rejecting a change of the immutable spec.class")
		got.Spec.Class = ptr.To(extensionsv1alpha1.ExtensionClassSeed)
		err := c.Update(ctx, got)
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
		Expect(err.Error()).To(ContainSubstring("Value is immutable"))

		By("rejecting an Infrastructure without a region")
		noRegion := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": extensionsv1alpha1.SchemeGroupVersion.String(), "kind": "Infrastructure",
			"metadata": map[string]any{"name": "no-region", "namespace": ns.Name},
			"spec":     map[string]any{"type": "local", "secretRef": map[string]any{"name": "cloudprovider"}},
		}}
		err = c.Create(ctx, noRegion)
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
		Expect(err.Error()).To(ContainSubstring("spec.region"))
	})
})
