package shoot

import (
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
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
// mgr. The controller reconciles a Shoot of the seed when it appears and when its
// generation changes, and then every SyncPeriod.
func (r *Reconciler) AddToManager(mgr manager.Manager) error {
	if r.Client == nil {
		r.Client = mgr.GetClient()
	}
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorder("gardenlet-" + ControllerName)
	}
	if r.SyncPeriod <= 0 {
		r.SyncPeriod = DefaultSyncPeriod
	}
	if r.ConcurrentSyncs <= 0 {
		r.ConcurrentSyncs = 1
	}
	onSeed := func(obj client.Object) bool {
		shoot, ok := obj.(*gardencorev1beta1.Shoot)
		return ok && ptr.Deref(shoot.Spec.SeedName, "") == r.SeedName
	}
	return builder.ControllerManagedBy(mgr).
		Named(ControllerName).
		For(&gardencorev1beta1.Shoot{}, builder.WithPredicates(
			// The cache holds only the seed's Shoots; this guards against a cache without
			// the field selector. Deletions pass, so that the controller forgets the Shoot.
			predicate.Funcs{
				CreateFunc:  func(e event.CreateEvent) bool { return onSeed(e.Object) },
				UpdateFunc:  func(e event.UpdateEvent) bool { return onSeed(e.ObjectNew) },
				DeleteFunc:  func(event.DeleteEvent) bool { return true },
				GenericFunc: func(e event.GenericEvent) bool { return onSeed(e.Object) },
			},
			predicate.GenerationChangedPredicate{},
		)).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.ConcurrentSyncs}).
		Complete(r)
}
