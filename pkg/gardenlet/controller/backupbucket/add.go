package backupbucket

import (
	"context"
	"errors"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/backupbucket/extobject"
)

// ControllerName is the name of the controller, in logs, metrics and Events.
const ControllerName = "backupbucket"

// AddToManager fills in the unset dependencies and defaults of r from mgr and adds r to
// mgr. The controller looks at a BackupBucket of the seed when it appears, when its
// generation or annotations change or its deletion starts, when its extension
// BackupBucket in the seed changes, and when a BackupEntry goes (a bucket in deletion
// waits for its entries).
func (r *Reconciler) AddToManager(mgr manager.Manager) error {
	if r.SeedCache == nil {
		return errors.New("the backupbucket controller needs a cache of the seed cluster to watch extension BackupBuckets")
	}
	if r.GardenClient == nil {
		r.GardenClient = mgr.GetClient()
	}
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorder("gardenlet-" + ControllerName)
	}
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	if r.AskAgainPeriod <= 0 {
		r.AskAgainPeriod = extobject.DefaultAskAgainPeriod
	}
	return builder.ControllerManagedBy(mgr).
		Named(ControllerName).
		For(&gardencorev1beta1.BackupBucket{}, builder.WithPredicates(
			predicate.NewPredicateFuncs(func(obj client.Object) bool {
				bucket, ok := obj.(*gardencorev1beta1.BackupBucket)
				return ok && ptr.Deref(bucket.Spec.SeedName, "") == r.SeedName
			}),
			// Its own status writes do not trigger it again.
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}, deletionStarted()),
		)).
		Watches(&gardencorev1beta1.BackupEntry{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, obj client.Object) []reconcile.Request {
			if entry, ok := obj.(*gardencorev1beta1.BackupEntry); ok && entry.Spec.BucketName != "" {
				return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: entry.Spec.BucketName}}}
			}
			return nil
		}), builder.WithPredicates(predicate.Funcs{
			CreateFunc:  func(event.CreateEvent) bool { return false },
			UpdateFunc:  func(event.UpdateEvent) bool { return false },
			DeleteFunc:  func(event.DeleteEvent) bool { return true },
			GenericFunc: func(event.GenericEvent) bool { return false },
		})).
		WatchesRawSource(extobject.Watch(r.SeedCache, &extensionsv1alpha1.BackupBucket{},
			func(_ context.Context, obj *extensionsv1alpha1.BackupBucket) []reconcile.Request {
				// The extension object has the core object's name.
				return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: obj.Name}}}
			})).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(r.ConcurrentSyncs, 1)}).
		Complete(r)
}

// deletionStarted passes the update that gives an object its deletion timestamp.
func deletionStarted() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return e.ObjectOld.GetDeletionTimestamp() == nil && e.ObjectNew.GetDeletionTimestamp() != nil
	}}
}
