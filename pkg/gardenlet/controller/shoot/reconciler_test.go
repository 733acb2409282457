package shoot

import (
	"context"
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

func TestReconcile(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	scheme := runtime.NewScheme()
	utilruntime.Must(gardencorev1beta1.AddToScheme(scheme))
	shoot := func(name, seed, uid string, generation int64) *gardencorev1beta1.Shoot {
		s := &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "garden-dev", UID: types.UID("uid-" + uid), Generation: generation}}
		s.Spec.SeedName = ptr.To(seed)
		return s
	}
	mine := shoot("mine", "local", "1", 1)
	other := shoot("other", "elsewhere", "2", 1)
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(mine, other).Build()
	recorder := events.NewFakeRecorder(10)
	r := &Reconciler{Client: c, Recorder: recorder, SeedName: "local", SyncPeriod: time.Hour}

	reconcileShoot := func(name string) reconcile.Result {
		res, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: client.ObjectKey{Namespace: "garden-dev", Name: name}})
		g.Expect(err).NotTo(HaveOccurred())
		return res
	}

	// The first generation is announced once.
	g.Expect(reconcileShoot("mine").RequeueAfter).To(Equal(time.Hour))
	reconcileShoot("mine")
	g.Expect(recorder.Events).To(Receive(Equal(`Normal SeedObserved Seed "local" observed the shoot (generation 1); its control plane is not deployed by this gardenlet version yet`)))
	g.Expect(recorder.Events).NotTo(Receive())

	// A new generation is announced.
	current := &gardencorev1beta1.Shoot{}
	g.Expect(c.Get(ctx, client.ObjectKeyFromObject(mine), current)).To(Succeed())
	current.Generation = 2
	g.Expect(c.Update(ctx, current)).To(Succeed())
	reconcileShoot("mine")
	g.Expect(recorder.Events).To(Receive(ContainSubstring("(generation 2)")))

	// Shoots of other seeds and shoots that are gone are not.
	g.Expect(reconcileShoot("other")).To(Equal(reconcile.Result{}))
	g.Expect(reconcileShoot("gone")).To(Equal(reconcile.Result{}))
	g.Expect(recorder.Events).NotTo(Receive())

	// A shoot created again under the same name is announced again.
	g.Expect(c.Delete(ctx, current)).To(Succeed())
	reconcileShoot("mine")
	again := shoot("mine", "local", "3", 1)
	g.Expect(c.Create(ctx, again)).To(Succeed())
	reconcileShoot("mine")
	g.Expect(recorder.Events).To(Receive(ContainSubstring("(generation 1)")))
}
