package seed

import (
	"context"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"
)

// ControllerName is the name of the controller, in logs and metrics.
const ControllerName = "seed"

// AddToManager fills in the unset dependencies of r from mgr and adds r to mgr. The
// controller reconciles the Seed once at start, whenever its generation, labels or
// annotations change, whenever a BackupBucket of the seed changes, and every sync period.
func (r *Reconciler) AddToManager(mgr manager.Manager) error {
	if r.GardenClient == nil {
		r.GardenClient = mgr.GetClient()
	}
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	if r.Identity == nil {
		r.Identity = NewIdentity()
	}
	seedName := r.SeedConfig.Name
	request := reconcile.Request{NamespacedName: types.NamespacedName{Name: seedName}}
	return builder.ControllerManagedBy(mgr).
		Named(ControllerName).
		For(&gardencorev1beta1.Seed{}, builder.WithPredicates(
			hasName(seedName),
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}, predicate.AnnotationChangedPredicate{}),
		)).
		Watches(&gardencorev1beta1.BackupBucket{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, obj client.Object) []reconcile.Request {
			if bucket, ok := obj.(*gardencorev1beta1.BackupBucket); ok && ptr.Deref(bucket.Spec.SeedName, "") == seedName {
				return []reconcile.Request{request}
			}
			return nil
		})).
		WatchesRawSource(source.Func(func(_ context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
			// Register the seed and report its status right away, before it exists.
			q.Add(request)
			return nil
		})).
		WithOptions(controller.Options{MaxConcurrentReconciles: 1}).
		Complete(r)
}

// hasName filters the events of objects named name.
func hasName(name string) predicate.Predicate {
	return predicate.NewPredicateFuncs(func(obj client.Object) bool { return obj.GetName() == name })
}
