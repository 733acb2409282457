package shootstatuslabel

import (
	"context"
	"testing"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

func op(t gardencorev1beta1.LastOperationType, s gardencorev1beta1.LastOperationState) *gardencorev1beta1.LastOperation {
	return &gardencorev1beta1.LastOperation{Type: t, State: s}
}

func conditions(statuses ...gardencorev1beta1.ConditionStatus) []gardencorev1beta1.Condition {
	out := make([]gardencorev1beta1.Condition, 0, len(statuses))
	for i, s := range statuses {
		out = append(out, gardencorev1beta1.Condition{Type: gardencorev1beta1.ConditionType("C" + string(rune('a'+i))), Status: s})
	}
	return out
}

var (
	reconcileSucceeded = op(gardencorev1beta1.LastOperationTypeReconcile, gardencorev1beta1.LastOperationStateSucceeded)
	errs               = []gardencorev1beta1.LastError{{Description: "boom"}}
)

const (
	condTrue        = gardencorev1beta1.ConditionTrue
	condFalse       = gardencorev1beta1.ConditionFalse
	condUnknown     = gardencorev1beta1.ConditionUnknown
	condProgressing = gardencorev1beta1.ConditionProgressing
)

func TestCompute(t *testing.T) {
	for _, tc := range []struct {
		name       string
		op         *gardencorev1beta1.LastOperation
		lastErrors []gardencorev1beta1.LastError
		conditions []gardencorev1beta1.Condition
		want       Status
	}{
		{name: "never operated on, whatever the conditions", conditions: conditions(condFalse), want: StatusHealthy},
		{name: "reconciled, all True", op: reconcileSucceeded, conditions: conditions(condTrue, condTrue), want: StatusHealthy},
		{name: "reconciled, no conditions", op: reconcileSucceeded, want: StatusHealthy},
		{name: "one condition Progressing", op: reconcileSucceeded, conditions: conditions(condTrue, condProgressing), want: StatusProgressing},
		{name: "one condition Unknown", op: reconcileSucceeded, conditions: conditions(condTrue, condUnknown, condProgressing), want: StatusUnknown},
		{name: "one condition False", op: reconcileSucceeded, conditions: conditions(condUnknown, condFalse, condProgressing), want: StatusUnhealthy},
		{name: "an unknown condition status is unhealthy", op: reconcileSucceeded, conditions: conditions("Maybe"), want: StatusUnhealthy},
		{name: "reconcile failed", op: op(gardencorev1beta1.LastOperationTypeReconcile, gardencorev1beta1.LastOperationStateFailed), conditions: conditions(condTrue), want: StatusUnhealthy},
		{name: "reconcile error", op: op(gardencorev1beta1.LastOperationTypeReconcile, gardencorev1beta1.LastOperationStateError), conditions: conditions(condTrue), want: StatusUnhealthy},
		{name: "reconcile processing without errors", op: op(gardencorev1beta1.LastOperationTypeReconcile, gardencorev1beta1.LastOperationStateProcessing), conditions: conditions(condTrue), want: StatusHealthy},
		{name: "reconcile processing, condition Unknown", op: op(gardencorev1beta1.LastOperationTypeReconcile, gardencorev1beta1.LastOperationStateProcessing), conditions: conditions(condUnknown), want: StatusUnknown},
		{name: "reconcile processing with errors", op: op(gardencorev1beta1.LastOperationTypeReconcile, gardencorev1beta1.LastOperationStateProcessing), lastErrors: errs, conditions: conditions(condTrue), want: StatusUnhealthy},
		{name: "create processing ignores conditions", op: op(gardencorev1beta1.LastOperationTypeCreate, gardencorev1beta1.LastOperationStateProcessing), conditions: conditions(condFalse), want: StatusHealthy},
		{name: "create processing with errors", op: op(gardencorev1beta1.LastOperationTypeCreate, gardencorev1beta1.LastOperationStateProcessing), lastErrors: errs, want: StatusUnhealthy},
		{name: "create succeeded counts the conditions", op: op(gardencorev1beta1.LastOperationTypeCreate, gardencorev1beta1.LastOperationStateSucceeded), conditions: conditions(condUnknown), want: StatusUnknown},
		{name: "delete failed without errors", op: op(gardencorev1beta1.LastOperationTypeDelete, gardencorev1beta1.LastOperationStateFailed), conditions: conditions(condFalse), want: StatusHealthy},
		{name: "delete with errors", op: op(gardencorev1beta1.LastOperationTypeDelete, gardencorev1beta1.LastOperationStateProcessing), lastErrors: errs, want: StatusUnhealthy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			shoot := &gardencorev1beta1.Shoot{Status: gardencorev1beta1.ShootStatus{LastOperation: tc.op, LastErrors: tc.lastErrors, Conditions: tc.conditions}}
			NewWithT(t).Expect(Compute(shoot)).To(Equal(tc.want))
		})
	}
}

func TestReconcile(t *testing.T) {
	scheme := runtime.NewScheme()
	utilruntime.Must(gardencorev1beta1.AddToScheme(scheme))
	for _, tc := range []struct {
		name      string
		label     *string
		status    gardencorev1beta1.ShootStatus
		want      Status
		wantPatch bool
	}{
		{name: "adds a missing label", status: gardencorev1beta1.ShootStatus{LastOperation: reconcileSucceeded}, want: StatusHealthy, wantPatch: true},
		{name: "fixes an outdated label", label: ptrTo("healthy"), status: gardencorev1beta1.ShootStatus{LastOperation: reconcileSucceeded, Conditions: conditions(condUnknown)}, want: StatusUnknown, wantPatch: true},
		{name: "leaves a current label alone", label: ptrTo("unhealthy"), status: gardencorev1beta1.ShootStatus{LastOperation: reconcileSucceeded, Conditions: conditions(condFalse)}, want: StatusUnhealthy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			ctx := context.Background()
			shoot := &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "garden-dev"}, Status: tc.status}
			if tc.label != nil {
				metav1.SetMetaDataLabel(&shoot.ObjectMeta, v1beta1constants.ShootStatus, *tc.label)
			}
			patches := 0
			c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(shoot).WithStatusSubresource(shoot).
				WithInterceptorFuncs(interceptor.Funcs{Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
					patches++
					return c.Patch(ctx, obj, patch, opts...)
				}}).Build()
			r := &Reconciler{Client: c}
			_, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(shoot)})
			g.Expect(err).NotTo(HaveOccurred())
			got := &gardencorev1beta1.Shoot{}
			g.Expect(c.Get(ctx, client.ObjectKeyFromObject(shoot), got)).To(Succeed())
			g.Expect(got.Labels).To(HaveKeyWithValue(v1beta1constants.ShootStatus, string(tc.want)))
			if tc.wantPatch {
				g.Expect(patches).To(Equal(1))
			} else {
				g.Expect(patches).To(BeZero())
			}
		})
	}
}

func TestLabelOutdated(t *testing.T) {
	g := NewWithT(t)
	p := LabelOutdated()
	shoot := &gardencorev1beta1.Shoot{Status: gardencorev1beta1.ShootStatus{LastOperation: reconcileSucceeded}}
	g.Expect(p.Create(event.CreateEvent{Object: shoot})).To(BeTrue())
	g.Expect(p.Update(event.UpdateEvent{ObjectOld: shoot, ObjectNew: shoot})).To(BeTrue(), "label missing")
	labelled := shoot.DeepCopy()
	metav1.SetMetaDataLabel(&labelled.ObjectMeta, v1beta1constants.ShootStatus, "healthy")
	g.Expect(p.Update(event.UpdateEvent{ObjectOld: shoot, ObjectNew: labelled})).To(BeFalse(), "label current")
	unknown := labelled.DeepCopy()
	unknown.Status.Conditions = conditions(condUnknown)
	g.Expect(p.Update(event.UpdateEvent{ObjectOld: labelled, ObjectNew: unknown})).To(BeTrue(), "label outdated")
	g.Expect(p.Delete(event.DeleteEvent{Object: shoot})).To(BeFalse())
	g.Expect(p.Generic(event.GenericEvent{Object: shoot})).To(BeFalse())
}

func ptrTo[T any](v T) *T { return &v }
