package referenceprotection

import (
	"context"
	"testing"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

func TestShootReferences(t *testing.T) {
	shoot := &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Namespace: "garden-p"}, Spec: gardencorev1beta1.ShootSpec{
		CloudProfile:           &gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: "cp"},
		SecretBindingName:      ptr.To("sb"),
		CredentialsBindingName: ptr.To("cb"),
		ExposureClassName:      ptr.To("ec"),
	}}
	for _, tc := range []struct {
		name  string
		shoot *gardencorev1beta1.Shoot
		kind  Kind
		want  []client.ObjectKey
	}{
		{name: "cloud profile", shoot: shoot, kind: KindCloudProfile, want: []client.ObjectKey{{Name: "cp"}}},
		{name: "deprecated cloudProfileName", shoot: &gardencorev1beta1.Shoot{Spec: gardencorev1beta1.ShootSpec{CloudProfileName: ptr.To("old")}}, kind: KindCloudProfile, want: []client.ObjectKey{{Name: "old"}}},
		{name: "namespaced cloud profile is not a CloudProfile", shoot: &gardencorev1beta1.Shoot{Spec: gardencorev1beta1.ShootSpec{
			CloudProfile: &gardencorev1beta1.CloudProfileReference{Kind: "NamespacedCloudProfile", Name: "ncp"}}}, kind: KindCloudProfile},
		{name: "secret binding", shoot: shoot, kind: KindSecretBinding, want: []client.ObjectKey{{Namespace: "garden-p", Name: "sb"}}},
		{name: "credentials binding", shoot: shoot, kind: KindCredentialsBinding, want: []client.ObjectKey{{Namespace: "garden-p", Name: "cb"}}},
		{name: "exposure class", shoot: shoot, kind: KindExposureClass, want: []client.ObjectKey{{Name: "ec"}}},
		{name: "quota never directly", shoot: shoot, kind: KindQuota},
	} {
		t.Run(tc.name, func(t *testing.T) {
			NewWithT(t).Expect(ShootReferences(tc.shoot, tc.kind)).To(Equal(tc.want))
		})
	}
}

func TestQuotasOf(t *testing.T) {
	g := NewWithT(t)
	g.Expect(QuotasOf(&gardencorev1beta1.SecretBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "garden-p"},
		Quotas: []corev1.ObjectReference{{Name: "a"}, {Namespace: "garden", Name: "b"}}})).
		To(Equal([]client.ObjectKey{{Namespace: "garden-p", Name: "a"}, {Namespace: "garden", Name: "b"}}))
	g.Expect(QuotasOf(&securityv1alpha1.CredentialsBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "garden-p"},
		Quotas: []corev1.ObjectReference{{Name: "a"}}})).To(Equal([]client.ObjectKey{{Namespace: "garden-p", Name: "a"}}))
}

func TestReconcile(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := gardencorev1beta1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := securityv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	for _, tc := range []struct {
		name string
		kind Kind
		obj  client.Object
		user client.Object
	}{
		{name: "cloud profile used by a shoot", kind: KindCloudProfile, obj: &gardencorev1beta1.CloudProfile{ObjectMeta: metav1.ObjectMeta{Name: "cp"}},
			user: &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "garden-p"}, Spec: gardencorev1beta1.ShootSpec{
				CloudProfile: &gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: "cp"}}}},
		{name: "cloud profile used by a namespaced cloud profile", kind: KindCloudProfile, obj: &gardencorev1beta1.CloudProfile{ObjectMeta: metav1.ObjectMeta{Name: "cp"}},
			user: &gardencorev1beta1.NamespacedCloudProfile{ObjectMeta: metav1.ObjectMeta{Name: "n", Namespace: "garden-p"}, Spec: gardencorev1beta1.NamespacedCloudProfileSpec{
				Parent: gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: "cp"}}}},
		{name: "secret binding used by a shoot of its namespace", kind: KindSecretBinding, obj: &gardencorev1beta1.SecretBinding{ObjectMeta: metav1.ObjectMeta{Name: "sb", Namespace: "garden-p"}},
			user: &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "garden-p"}, Spec: gardencorev1beta1.ShootSpec{SecretBindingName: ptr.To("sb")}}},
		{name: "credentials binding used by a shoot", kind: KindCredentialsBinding, obj: &securityv1alpha1.CredentialsBinding{ObjectMeta: metav1.ObjectMeta{Name: "cb", Namespace: "garden-p"}},
			user: &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "garden-p"}, Spec: gardencorev1beta1.ShootSpec{CredentialsBindingName: ptr.To("cb")}}},
		{name: "quota used by a binding", kind: KindQuota, obj: &gardencorev1beta1.Quota{ObjectMeta: metav1.ObjectMeta{Name: "q", Namespace: "garden"}},
			user: &gardencorev1beta1.SecretBinding{ObjectMeta: metav1.ObjectMeta{Name: "sb", Namespace: "garden-p"}, Quotas: []corev1.ObjectReference{{Namespace: "garden", Name: "q"}}}},
		{name: "exposure class used by a shoot", kind: KindExposureClass, obj: &gardencorev1beta1.ExposureClass{ObjectMeta: metav1.ObjectMeta{Name: "ec"}},
			user: &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "garden-p"}, Spec: gardencorev1beta1.ShootSpec{ExposureClassName: ptr.To("ec")}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(tc.obj, tc.user).Build()
			r := &Reconciler{Client: c, Kind: tc.kind}
			key := client.ObjectKeyFromObject(tc.obj)
			run := func() {
				t.Helper()
				_, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: key})
				g.Expect(err).NotTo(HaveOccurred())
			}
			current := func() client.Object {
				t.Helper()
				obj := newObject(tc.kind)
				g.Expect(c.Get(ctx, key, obj)).To(Succeed())
				return obj
			}

			run()
			g.Expect(current().GetFinalizers()).To(ConsistOf(FinalizerName))

			// Deleting it only sets the deletion timestamp while it is in use.
			g.Expect(c.Delete(ctx, current())).To(Succeed())
			run()
			g.Expect(current().GetDeletionTimestamp()).NotTo(BeNil())
			g.Expect(current().GetFinalizers()).To(ConsistOf(FinalizerName))

			// Once the user is gone, the finalizer goes and the object with it.
			g.Expect(c.Delete(ctx, tc.user)).To(Succeed())
			run()
			err := c.Get(ctx, key, newObject(tc.kind))
			g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "got %v", err)
		})
	}
}
