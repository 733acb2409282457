package lease

import (
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// ControllerName is the name of the controller, in logs and metrics.
const ControllerName = "seed-lease"

// AddToManager fills in the unset dependencies and defaults of r from mgr and adds r to
// mgr. The controller starts when the Seed appears in the manager's cache (it is created
// or the cache syncs) and then runs every RenewPeriod; a failed renewal is retried within
// at most a RenewPeriod.
func (r *Reconciler) AddToManager(mgr manager.Manager) error {
	if r.GardenClient == nil {
		r.GardenClient = mgr.GetClient()
	}
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	if r.Namespace == "" {
		r.Namespace = gardencorev1beta1.GardenerSeedLeaseNamespace
	}
	if r.RenewPeriod <= 0 {
		r.RenewPeriod = DefaultRenewPeriod
	}
	if r.LeaseDuration <= 0 {
		r.LeaseDuration = DefaultLeaseDuration
	}
	name := r.SeedName
	return builder.ControllerManagedBy(mgr).
		Named(ControllerName).
		For(&gardencorev1beta1.Seed{}, builder.WithPredicates(predicate.Funcs{
			CreateFunc:  func(e event.CreateEvent) bool { return e.Object.GetName() == name },
			UpdateFunc:  func(event.UpdateEvent) bool { return false },
			DeleteFunc:  func(event.DeleteEvent) bool { return false },
			GenericFunc: func(event.GenericEvent) bool { return false },
		})).
		WithOptions(controller.Options{
			MaxConcurrentReconciles: 1,
			RateLimiter:             workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](100*time.Millisecond, r.RenewPeriod),
		}).
		Complete(r)
}
