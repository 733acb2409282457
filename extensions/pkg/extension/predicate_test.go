package extension

import (
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/event"
)

func TestPredicate(t *testing.T) {
	r := &Reconciler[*extensionsv1alpha1.Worker]{Args: Args[*extensionsv1alpha1.Worker]{Type: "test"}}
	p := r.predicate()

	worker := func(mutate ...func(*extensionsv1alpha1.Worker)) *extensionsv1alpha1.Worker {
		w := &extensionsv1alpha1.Worker{
			ObjectMeta: metav1.ObjectMeta{Name: "w", Namespace: "shoot--p--s", Generation: 1},
			Spec:       extensionsv1alpha1.WorkerSpec{DefaultSpec: extensionsv1alpha1.DefaultSpec{Type: "test"}},
		}
		for _, m := range mutate {
			m(w)
		}
		return w
	}
	reconciled := func(w *extensionsv1alpha1.Worker) {
		w.Status.LastOperation = &gardencorev1beta1.LastOperation{Type: gardencorev1beta1.LastOperationTypeReconcile, State: gardencorev1beta1.LastOperationStateSucceeded}
		w.Status.ObservedGeneration = w.Generation
	}
	errored := func(w *extensionsv1alpha1.Worker) {
		w.Status.LastOperation = &gardencorev1beta1.LastOperation{Type: gardencorev1beta1.LastOperationTypeReconcile, State: gardencorev1beta1.LastOperationStateError}
		w.Status.ObservedGeneration = w.Generation
	}
	annotated := func(op string) func(*extensionsv1alpha1.Worker) {
		return func(w *extensionsv1alpha1.Worker) {
			w.Annotations = map[string]string{v1beta1constants.GardenerOperation: op}
		}
	}
	generation := func(g int64) func(*extensionsv1alpha1.Worker) {
		return func(w *extensionsv1alpha1.Worker) { w.Generation = g }
	}
	deleting := func(w *extensionsv1alpha1.Worker) {
		w.DeletionTimestamp = ptr.To(metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	}
	otherType := func(w *extensionsv1alpha1.Worker) { w.Spec.Type = "other" }
	stamped := func(ts string) func(*extensionsv1alpha1.Worker) {
		return func(w *extensionsv1alpha1.Worker) {
			if w.Annotations == nil {
				w.Annotations = map[string]string{}
			}
			w.Annotations[v1beta1constants.GardenerTimestamp] = ts
		}
	}

	creates := []struct {
		name string
		obj  *extensionsv1alpha1.Worker
		want bool
	}{
		{"new object", worker(), true},
		{"reconciled object", worker(reconciled), false},
		{"reconciled object at an unobserved generation", worker(reconciled, generation(2)), true},
		{"object whose last operation errored", worker(errored), true},
		{"reconciled object with the reconcile annotation", worker(reconciled, annotated(v1beta1constants.GardenerOperationReconcile)), true},
		{"reconciled object with the migrate annotation", worker(reconciled, annotated(v1beta1constants.GardenerOperationMigrate)), true},
		{"reconciled object with the restore annotation", worker(reconciled, annotated(v1beta1constants.GardenerOperationRestore)), true},
		{"reconciled object with another annotation value", worker(reconciled, annotated("ignore")), false},
		{"reconciled object being deleted", worker(reconciled, deleting), true},
		{"new object of another type", worker(otherType), false},
	}
	for _, tc := range creates {
		t.Run("create/"+tc.name, func(t *testing.T) {
			if got := p.Create(event.CreateEvent{Object: tc.obj}); got != tc.want {
				t.Errorf("Create = %v, want %v", got, tc.want)
			}
		})
	}

	updates := []struct {
		name     string
		old, new *extensionsv1alpha1.Worker
		want     bool
	}{
		{"status only", worker(), worker(errored), false},
		{"status only with the annotation kept", worker(annotated("reconcile")), worker(annotated("reconcile"), errored), false},
		{"the annotation asked again with a new timestamp", worker(annotated("reconcile"), stamped("1")), worker(annotated("reconcile"), stamped("2")), true},
		{"a new timestamp without the annotation", worker(stamped("1")), worker(stamped("2")), false},
		{"new generation", worker(reconciled), worker(reconciled, generation(2)), true},
		{"reconcile annotation added", worker(reconciled), worker(reconciled, annotated(v1beta1constants.GardenerOperationReconcile)), true},
		{"annotation changed to migrate", worker(annotated("reconcile")), worker(annotated(v1beta1constants.GardenerOperationMigrate)), true},
		{"annotation removed", worker(annotated("reconcile")), worker(reconciled), false},
		{"another annotation value added", worker(reconciled), worker(reconciled, annotated("ignore")), false},
		{"deletion timestamp set", worker(reconciled), worker(reconciled, deleting), true},
		{"status written while deleting", worker(deleting), worker(deleting, errored), false},
		{"new generation of another type", worker(otherType), worker(otherType, generation(2)), false},
	}
	for _, tc := range updates {
		t.Run("update/"+tc.name, func(t *testing.T) {
			if got := p.Update(event.UpdateEvent{ObjectOld: tc.old, ObjectNew: tc.new}); got != tc.want {
				t.Errorf("Update = %v, want %v", got, tc.want)
			}
		})
	}

	t.Run("delete", func(t *testing.T) {
		if p.Delete(event.DeleteEvent{Object: worker()}) {
			t.Error("Delete = true, want false: a deleted object is gone, there is nothing to do")
		}
	})
}
