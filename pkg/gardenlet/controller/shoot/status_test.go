package shoot

import (
	"context"
	"sync"
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

// The operation's tasks read its shoot while the progress reporter writes the status from
// another goroutine: the writer works on a copy of its own, and leaves the tasks' shoot as
// it was. (With a shared shoot, `go test -race` reports the reads and writes here.)
func TestStatusWritesLeaveTheOperationsShootAlone(t *testing.T) {
	g := NewWithT(t)
	shoot := &gardencorev1beta1.Shoot{
		ObjectMeta: metav1.ObjectMeta{Namespace: "garden-local", Name: "s", Generation: 3},
		Spec:       gardencorev1beta1.ShootSpec{Kubernetes: gardencorev1beta1.Kubernetes{Version: "1.36.3"}},
	}
	c := fake.NewClientBuilder().WithScheme(backupScheme).WithObjects(shoot.DeepCopy()).WithStatusSubresource(&gardencorev1beta1.Shoot{}).Build()
	g.Expect(c.Get(t.Context(), client.ObjectKeyFromObject(shoot), shoot)).To(Succeed())
	before := shoot.DeepCopy()
	w := newStatusWriter(c, shoot, time.Now, gardencorev1beta1.Gardener{Name: "gardenlet"})

	g.Expect(w.start(t.Context(), gardencorev1beta1.LastOperationTypeCreate, testTechnicalID, "Creating")).To(Succeed())
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			if err := w.progress(context.Background(), i*10, []string{"a task"}); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			// What a task reads of the operation's shoot.
			_ = shoot.Spec.Kubernetes.Version + shoot.Status.TechnicalID + shoot.ResourceVersion
		})
	}
	wg.Wait()
	g.Expect(w.succeed(t.Context(), "Done", nil)).To(Succeed())
	g.Expect(shoot).To(Equal(before), "the status writes changed the operation's shoot")

	stored := &gardencorev1beta1.Shoot{}
	g.Expect(c.Get(t.Context(), client.ObjectKeyFromObject(shoot), stored)).To(Succeed())
	g.Expect(stored.Status.TechnicalID).To(Equal(testTechnicalID))
	g.Expect(stored.Status.ObservedGeneration).To(Equal(int64(3)))
	g.Expect(stored.Status.LastOperation.State).To(Equal(gardencorev1beta1.LastOperationStateSucceeded))
	g.Expect(stored.Status.LastOperation.Progress).To(Equal(int32(100)))
}
