package controllerregistration

import (
	"context"
	"testing"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

func installationsOf(t *testing.T, c client.Client) map[string]string {
	t.Helper()
	list := &gardencorev1beta1.ControllerInstallationList{}
	if err := c.List(context.Background(), list); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, i := range list.Items {
		out[i.Name] = i.Spec.RegistrationRef.Name + "@" + i.Spec.SeedRef.Name
	}
	return out
}

func TestReconcile(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	scheme := runtime.NewScheme()
	g.Expect(gardencorev1beta1.AddToScheme(scheme)).To(Succeed())

	always := gardencorev1beta1.ControllerDeploymentPolicyAlways
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		&gardencorev1beta1.Seed{ObjectMeta: metav1.ObjectMeta{Name: "seed"}, Spec: gardencorev1beta1.SeedSpec{Provider: gardencorev1beta1.SeedProvider{Type: "local"}}},
		&gardencorev1beta1.ControllerRegistration{ObjectMeta: metav1.ObjectMeta{Name: "local"}, Spec: gardencorev1beta1.ControllerRegistrationSpec{
			Resources: []gardencorev1beta1.ControllerResource{{Kind: KindControlPlane, Type: "local"}},
		}},
		&gardencorev1beta1.ControllerRegistration{ObjectMeta: metav1.ObjectMeta{Name: "foo"}, Spec: gardencorev1beta1.ControllerRegistrationSpec{
			Resources:  []gardencorev1beta1.ControllerResource{{Kind: KindControlPlane, Type: "foo"}},
			Deployment: &gardencorev1beta1.ControllerRegistrationDeployment{DeploymentRefs: []gardencorev1beta1.DeploymentRef{{Name: "foo-deploy"}}},
		}},
		&gardencorev1beta1.ControllerRegistration{ObjectMeta: metav1.ObjectMeta{Name: "always"}, Spec: gardencorev1beta1.ControllerRegistrationSpec{
			Resources:  []gardencorev1beta1.ControllerResource{{Kind: KindExtension, Type: "always"}},
			Deployment: &gardencorev1beta1.ControllerRegistrationDeployment{Policy: &always},
		}},
		// Adopted: made by Gardener with generateName, for a registration still needed.
		&gardencorev1beta1.ControllerInstallation{ObjectMeta: metav1.ObjectMeta{Name: "local-x7k2p"}, Spec: gardencorev1beta1.ControllerInstallationSpec{
			RegistrationRef: corev1.ObjectReference{Name: "local"}, SeedRef: &corev1.ObjectReference{Name: "seed"},
		}},
		// Of a seed that is gone.
		&gardencorev1beta1.ControllerInstallation{ObjectMeta: metav1.ObjectMeta{Name: "local-gone"}, Spec: gardencorev1beta1.ControllerInstallationSpec{
			RegistrationRef: corev1.ObjectReference{Name: "local"}, SeedRef: &corev1.ObjectReference{Name: "gone"},
		}},
	).Build()
	r := &Reconciler{Client: c}
	reconcileSeed := func(name string) {
		t.Helper()
		_, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: client.ObjectKey{Name: name}})
		g.Expect(err).NotTo(HaveOccurred())
	}

	reconcileSeed("seed")
	g.Expect(installationsOf(t, c)).To(Equal(map[string]string{
		"local-x7k2p": "local@seed", "always-seed": "always@seed", "local-gone": "local@gone",
	}))

	shoot := &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "garden-p"}, Spec: gardencorev1beta1.ShootSpec{
		Provider: gardencorev1beta1.Provider{Type: "foo"}, SeedName: ptr.To("seed"),
	}}
	g.Expect(c.Create(ctx, shoot)).To(Succeed())
	reconcileSeed("seed")
	g.Expect(installationsOf(t, c)).To(HaveKeyWithValue("foo-seed", "foo@seed"))
	inst := &gardencorev1beta1.ControllerInstallation{}
	g.Expect(c.Get(ctx, client.ObjectKey{Name: "foo-seed"}, inst)).To(Succeed())
	g.Expect(inst.Spec.DeploymentRef).To(HaveValue(HaveField("Name", "foo-deploy")))

	// Reconciling again changes nothing.
	reconcileSeed("seed")
	g.Expect(installationsOf(t, c)).To(HaveLen(4))

	g.Expect(c.Delete(ctx, shoot)).To(Succeed())
	reconcileSeed("seed")
	reconcileSeed("gone")
	g.Expect(installationsOf(t, c)).To(Equal(map[string]string{"local-x7k2p": "local@seed", "always-seed": "always@seed"}))
}
