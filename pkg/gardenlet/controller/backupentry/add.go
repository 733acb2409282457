package backupentry

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
const ControllerName = "backupentry"

// AddToManager fills in the unset dependencies and defaults of r from mgr and adds r to
// mgr. The controller looks at a BackupEntry of the seed when it appears, when its
// generation or annotations change or its deletion starts, when its BackupBucket changes
// (an entry waits for its bucket), and when its extension BackupEntry in the seed changes.
func (r *Reconciler) AddToManager(mgr manager.Manager) error {
	if r.SeedCache == nil {
		return errors.New("the backupentry controller needs a cache of the seed cluster to watch extension BackupEntries")
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
		For(&gardencorev1beta1.BackupEntry{}, builder.WithPredicates(
			predicate.NewPredicateFuncs(func(obj client.Object) bool {
				entry, ok := obj.(*gardencorev1beta1.BackupEntry)
				return ok && ptr.Deref(entry.Spec.SeedName, "") == r.SeedName
			}),
			// Its own status writes do not trigger it again.
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}, deletionStarted()),
		)).
		Watches(&gardencorev1beta1.BackupBucket{}, handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, obj client.Object) []reconcile.Request {
			return r.entries(ctx, func(e *gardencorev1beta1.BackupEntry) bool { return e.Spec.BucketName == obj.GetName() })
		})).
		WatchesRawSource(extobject.Watch(r.SeedCache, &extensionsv1alpha1.BackupEntry{},
			func(ctx context.Context, obj *extensionsv1alpha1.BackupEntry) []reconcile.Request {
				// The cluster-scoped extension object has the name of the namespaced core
				// object, which holds the shoot's UID and so is unique.
				return r.entries(ctx, func(e *gardencorev1beta1.BackupEntry) bool { return e.Name == obj.Name })
			})).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(r.ConcurrentSyncs, 1)}).
		Complete(r)
}

// entries returns the requests of the seed's BackupEntries that match.
func (r *Reconciler) entries(ctx context.Context, match func(*gardencorev1beta1.BackupEntry) bool) []reconcile.Request {
	list := &gardencorev1beta1.BackupEntryList{}
	if err := r.GardenClient.List(ctx, list); err != nil {
		return nil
	}
	var out []reconcile.Request
	for i := range list.Items {
		if e := &list.Items[i]; ptr.Deref(e.Spec.SeedName, "") == r.SeedName && match(e) {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(e)})
		}
	}
	return out
}

// deletionStarted passes the update that gives an object its deletion timestamp.
func deletionStarted() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return e.ObjectOld.GetDeletionTimestamp() == nil && e.ObjectNew.GetDeletionTimestamp() != nil
	}}
}
