package shoot

import (
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
)

// ControllerName is the name of the controller, in logs, metrics and Events.
const ControllerName = "shoot"

// AddToManager fills in the unset dependencies and defaults of r from mgr and adds r to
// mgr. The controller looks at a Shoot of the seed when it appears, when its generation,
// annotations or deletion timestamp change, and after the waits Reconcile asks for.
func (r *Reconciler) AddToManager(mgr manager.Manager) error {
	if r.GardenClient == nil {
		r.GardenClient = mgr.GetClient()
	}
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorder("gardenlet-" + ControllerName)
	}
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	if r.SyncPeriod <= 0 {
		r.SyncPeriod = DefaultSyncPeriod
	}
	if r.RetryDeadline <= 0 {
		r.RetryDeadline = DefaultRetryDeadline
	}
	if r.TaskTimeout <= 0 {
		r.TaskTimeout = 5 * time.Minute
	}
	if r.ConcurrentSyncs <= 0 {
		r.ConcurrentSyncs = 5
	}
	onSeed := func(obj client.Object) bool {
		shoot, ok := obj.(*gardencorev1beta1.Shoot)
		return ok && ptr.Deref(shoot.Spec.SeedName, "") == r.SeedName
	}
	return builder.ControllerManagedBy(mgr).
		Named(ControllerName).
		For(&gardencorev1beta1.Shoot{}, builder.WithPredicates(
			// The cache holds only the seed's Shoots; this guards against a cache without
			// the field selector.
			predicate.Funcs{
				CreateFunc:  func(e event.CreateEvent) bool { return onSeed(e.Object) },
				UpdateFunc:  func(e event.UpdateEvent) bool { return onSeed(e.ObjectNew) },
				DeleteFunc:  func(event.DeleteEvent) bool { return false },
				GenericFunc: func(e event.GenericEvent) bool { return onSeed(e.Object) },
			},
			// Its own status writes do not trigger it again.
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}, deletionStarted{}),
		)).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.ConcurrentSyncs}).
		Complete(r)
}

// deletionStarted passes the update that sets a deletion timestamp.
type deletionStarted struct{ predicate.Funcs }

func (deletionStarted) Update(e event.UpdateEvent) bool {
	return e.ObjectOld.GetDeletionTimestamp() == nil && e.ObjectNew.GetDeletionTimestamp() != nil
}
