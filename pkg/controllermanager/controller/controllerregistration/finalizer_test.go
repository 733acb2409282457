package controllerregistration

import (
	"context"
	"testing"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

func TestFinalizerReconciler(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	scheme := runtime.NewScheme()
	g.Expect(gardencorev1beta1.AddToScheme(scheme)).To(Succeed())
	registration := &gardencorev1beta1.ControllerRegistration{ObjectMeta: metav1.ObjectMeta{Name: "local"}}
	inst := func(name, registration string) *gardencorev1beta1.ControllerInstallation {
		return &gardencorev1beta1.ControllerInstallation{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: gardencorev1beta1.ControllerInstallationSpec{
			RegistrationRef: corev1.ObjectReference{Name: registration}, SeedRef: &corev1.ObjectReference{Name: "seed"},
		}}
	}
	onSeed, other := inst("local-seed", "local"), inst("other-seed", "other")
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(registration, onSeed, other).Build()
	r := &FinalizerReconciler{Client: c}
	reconcileRegistration := func() {
		t.Helper()
		_, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: client.ObjectKey{Name: "local"}})
		g.Expect(err).NotTo(HaveOccurred())
	}
	get := func() (*gardencorev1beta1.ControllerRegistration, error) {
		got := &gardencorev1beta1.ControllerRegistration{}
		return got, c.Get(ctx, client.ObjectKey{Name: "local"}, got)
	}

	reconcileRegistration()
	got, err := get()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.Finalizers).To(ConsistOf(FinalizerName))

	// Deleted while an installation refers to it: it stays.
	g.Expect(c.Delete(ctx, got)).To(Succeed())
	reconcileRegistration()
	got, err = get()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.DeletionTimestamp).NotTo(BeNil())
	g.Expect(got.Finalizers).To(ConsistOf(FinalizerName))

	// Its installation is gone; another registration's does not hold it.
	g.Expect(c.Delete(ctx, onSeed)).To(Succeed())
	reconcileRegistration()
	_, err = get()
	g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "want the registration gone, got %v", err)

	// A registration that is gone is nothing to do.
	reconcileRegistration()
	g.Expect(mapInstallationToRegistration(ctx, other)).To(ConsistOf(reconcile.Request{NamespacedName: client.ObjectKey{Name: "other"}}))
}
