package apiserver_test

import (
	"context"

	seedmanagementv1alpha1 "github.com/gardener/gardener/pkg/apis/seedmanagement/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

var _ = Describe("ManagedSeeds", func() {
	newManagedSeed := func(namespace string) *seedmanagementv1alpha1.ManagedSeed {
		return &seedmanagementv1alpha1.ManagedSeed{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "ms-", Namespace: namespace},
			Spec: seedmanagementv1alpha1.ManagedSeedSpec{
				Shoot: &seedmanagementv1alpha1.Shoot{Name: "shoot-1"},
				Gardenlet: seedmanagementv1alpha1.GardenletConfig{Config: runtime.RawExtension{
					Raw: []byte(`{"apiVersion":"gardenlet.config.gardener.cloud/v1alpha1","kind":"GardenletConfiguration"}`),
				}},
			},
		}
	}

	BeforeEach(func(ctx context.Context) {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "garden"}}
		Expect(client.IgnoreAlreadyExists(c.Create(ctx, ns))).To(Succeed())
	})

	It("live in the garden namespace", func(ctx context.Context) {
		err := c.Create(ctx, newManagedSeed(newNamespace(ctx)))
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "expected 422, got %v", err)
		Expect(fieldCauses(err)).To(ContainElement("metadata.namespace"))
	})

	It("name a shoot that does not change", func(ctx context.Context) {
		noShoot := newManagedSeed("garden")
		noShoot.Spec.Shoot = nil
		err := c.Create(ctx, noShoot)
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "expected 422, got %v", err)
		Expect(fieldCauses(err)).To(ContainElement("spec.shoot"))

		ms := newManagedSeed("garden")
		Expect(c.Create(ctx, ms)).To(Succeed())
		DeferCleanup(func(ctx context.Context) { Expect(client.IgnoreNotFound(c.Delete(ctx, ms))).To(Succeed()) })
		ms.Spec.Shoot.Name = "shoot-2"
		err = c.Update(ctx, ms)
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "expected 422, got %v", err)
		Expect(fieldCauses(err)).To(ContainElement("spec.shoot"))
	})
})
