package shootquota

import (
	"context"
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

func TestReconcile(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	scheme := runtime.NewScheme()
	g.Expect(gardencorev1beta1.AddToScheme(scheme)).To(Succeed())
	g.Expect(securityv1alpha1.AddToScheme(scheme)).To(Succeed())

	created := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	shoot := &gardencorev1beta1.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "garden-p", CreationTimestamp: metav1.NewTime(created)},
		Spec:       gardencorev1beta1.ShootSpec{CredentialsBindingName: ptr.To("cb")},
	}
	unlimited := &gardencorev1beta1.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: "unlimited", Namespace: "garden-p"},
		Spec:       gardencorev1beta1.ShootSpec{SecretBindingName: ptr.To("sb")},
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		shoot, unlimited,
		&securityv1alpha1.CredentialsBinding{ObjectMeta: metav1.ObjectMeta{Name: "cb", Namespace: "garden-p"},
			Quotas: []corev1.ObjectReference{{Namespace: "garden", Name: "trial"}, {Name: "missing"}}},
		&gardencorev1beta1.SecretBinding{ObjectMeta: metav1.ObjectMeta{Name: "sb", Namespace: "garden-p"},
			Quotas: []corev1.ObjectReference{{Namespace: "garden", Name: "no-lifetime"}}},
		&gardencorev1beta1.Quota{ObjectMeta: metav1.ObjectMeta{Name: "trial", Namespace: "garden"},
			Spec: gardencorev1beta1.QuotaSpec{ClusterLifetimeDays: ptr.To[int32](7)}},
		&gardencorev1beta1.Quota{ObjectMeta: metav1.ObjectMeta{Name: "no-lifetime", Namespace: "garden"}},
	).Build()
	fakeClock := clocktesting.NewFakeClock(created.Add(time.Hour))
	recorder := events.NewFakeRecorder(10)
	r := &Reconciler{Client: c, Clock: fakeClock, Recorder: recorder}
	run := func(obj client.Object) reconcile.Result {
		t.Helper()
		res, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(obj)})
		g.Expect(err).NotTo(HaveOccurred())
		return res
	}
	expires := created.Add(7 * 24 * time.Hour)

	// An unlimited shoot is left alone and checked again after the sync period.
	g.Expect(run(unlimited)).To(Equal(reconcile.Result{RequeueAfter: DefaultSyncPeriod}))
	g.Expect(c.Get(ctx, client.ObjectKeyFromObject(unlimited), unlimited)).To(Succeed())
	g.Expect(unlimited.Annotations).NotTo(HaveKey(v1beta1constants.ShootExpirationTimestamp))

	// A limited shoot gets its expiration timestamp.
	r.Config.SyncPeriod = &metav1.Duration{Duration: 30 * 24 * time.Hour}
	g.Expect(run(shoot)).To(Equal(reconcile.Result{RequeueAfter: expires.Sub(fakeClock.Now())}))
	g.Expect(c.Get(ctx, client.ObjectKeyFromObject(shoot), shoot)).To(Succeed())
	g.Expect(shoot.Annotations).To(HaveKeyWithValue(v1beta1constants.ShootExpirationTimestamp, "2026-03-08T10:00:00Z"))
	g.Expect(recorder.Events).To(Receive(ContainSubstring(EventExpirationSet)))

	// Before expiry nothing happens.
	fakeClock.SetTime(expires.Add(-time.Minute))
	g.Expect(run(shoot)).To(Equal(reconcile.Result{RequeueAfter: time.Minute}))

	// An operator who moves the annotation extends the lifetime.
	patch := client.MergeFrom(shoot.DeepCopy())
	shoot.Annotations[v1beta1constants.ShootExpirationTimestamp] = "2026-03-09T10:00:00Z"
	g.Expect(c.Patch(ctx, shoot, patch)).To(Succeed())
	fakeClock.SetTime(expires.Add(time.Minute))
	g.Expect(run(shoot)).To(Equal(reconcile.Result{RequeueAfter: 24*time.Hour - time.Minute}))

	// Once expired, the shoot is confirmed and deleted.
	fakeClock.SetTime(expires.Add(24 * time.Hour))
	g.Expect(run(shoot)).To(Equal(reconcile.Result{}))
	err := c.Get(ctx, client.ObjectKeyFromObject(shoot), &gardencorev1beta1.Shoot{})
	g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "got %v", err)
	g.Expect(recorder.Events).To(Receive(ContainSubstring(EventDeletingExpired)))
}

func TestReconcileInvalidAnnotation(t *testing.T) {
	g := NewWithT(t)
	scheme := runtime.NewScheme()
	g.Expect(gardencorev1beta1.AddToScheme(scheme)).To(Succeed())
	shoot := &gardencorev1beta1.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "garden-p", Annotations: map[string]string{v1beta1constants.ShootExpirationTimestamp: "soon"}},
		Spec:       gardencorev1beta1.ShootSpec{SecretBindingName: ptr.To("sb")},
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(shoot,
		&gardencorev1beta1.SecretBinding{ObjectMeta: metav1.ObjectMeta{Name: "sb", Namespace: "garden-p"}, Quotas: []corev1.ObjectReference{{Name: "q"}}},
		&gardencorev1beta1.Quota{ObjectMeta: metav1.ObjectMeta{Name: "q", Namespace: "garden-p"}, Spec: gardencorev1beta1.QuotaSpec{ClusterLifetimeDays: ptr.To[int32](1)}},
	).Build()
	recorder := events.NewFakeRecorder(10)
	r := &Reconciler{Client: c, Clock: clocktesting.NewFakeClock(time.Now()), Recorder: recorder}
	_, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKeyFromObject(shoot)})
	g.Expect(err).To(MatchError(reconcile.TerminalError(nil)))
	g.Expect(recorder.Events).To(Receive(ContainSubstring(EventInvalidExpiration)))
}
