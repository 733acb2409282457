package seedextensionscheck

import (
	"context"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
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
)

// ControllerName is the name of the controller, in logs and metrics: Gardener's.
const ControllerName = "seed-extensions-check"

// AddToManager fills in the unset dependencies of r from mgr and adds r to mgr. The
// controller reconciles a Seed when it is created and when its ExtensionsReady
// condition changes or goes (someone else wrote the conditions), and the seed of a
// ControllerInstallation when the installation is created or deleted or the status,
// reason or message of its Valid, Installed, Healthy or Progressing condition changes.
// Between those, it checks each Seed again with RequeueAfter. Each reconciliation may
// take at most the sync period.
func (r *Reconciler) AddToManager(mgr manager.Manager) error {
	if r.Client == nil {
		r.Client = mgr.GetClient()
	}
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	return builder.ControllerManagedBy(mgr).
		Named(ControllerName).
		For(&gardencorev1beta1.Seed{}, builder.WithPredicates(conditionsChanged(seedConditions, gardencorev1beta1.SeedExtensionsReady))).
		Watches(&gardencorev1beta1.ControllerInstallation{}, handler.EnqueueRequestsFromMapFunc(MapInstallationToSeed),
			builder.WithPredicates(conditionsChanged(installationConditions, checkedTypes()...))).
		WithOptions(controller.Options{
			MaxConcurrentReconciles: ptr.Deref(r.Config.ConcurrentSyncs, 0),
			ReconciliationTimeout:   r.SyncPeriod(),
		}).
		Complete(r)
}

// MapInstallationToSeed maps a ControllerInstallation to the Seed its spec.seedRef names.
func MapInstallationToSeed(_ context.Context, obj client.Object) []reconcile.Request {
	inst, ok := obj.(*gardencorev1beta1.ControllerInstallation)
	if !ok || inst.Spec.SeedRef == nil || inst.Spec.SeedRef.Name == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: inst.Spec.SeedRef.Name}}}
}

func checkedTypes() []gardencorev1beta1.ConditionType {
	out := make([]gardencorev1beta1.ConditionType, 0, len(checks))
	for _, c := range checks {
		out = append(out, c.conditionType)
	}
	return out
}

func seedConditions(obj client.Object) []gardencorev1beta1.Condition {
	if seed, ok := obj.(*gardencorev1beta1.Seed); ok {
		return seed.Status.Conditions
	}
	return nil
}

func installationConditions(obj client.Object) []gardencorev1beta1.Condition {
	if inst, ok := obj.(*gardencorev1beta1.ControllerInstallation); ok {
		return inst.Status.Conditions
	}
	return nil
}

// conditionsChanged passes creations, deletions and generic events, and the updates in
// which a condition of one of types appeared, went, or changed its status, reason or
// message.
func conditionsChanged(conditionsOf func(client.Object) []gardencorev1beta1.Condition, types ...gardencorev1beta1.ConditionType) predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			oldConditions, newConditions := conditionsOf(e.ObjectOld), conditionsOf(e.ObjectNew)
			for _, t := range types {
				o, n := findCondition(oldConditions, t), findCondition(newConditions, t)
				if (o == nil) != (n == nil) {
					return true
				}
				if o != nil && (o.Status != n.Status || o.Reason != n.Reason || o.Message != n.Message) {
					return true
				}
			}
			return false
		},
	}
}
