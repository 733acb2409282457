package controllerinstallation

import (
	"context"

	gardencorev1 "github.com/gardener/gardener/pkg/apis/core/v1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// AddToManager adds the controller to mgr. It watches the seed's ControllerInstallations
// (the manager's cache should hold only those), their ControllerRegistrations and
// ControllerDeployments (core.gardener.cloud/v1, which the manager's scheme must know),
// and the seed's labels and spec, which the charts' values carry.
func (r *Reconciler) AddToManager(mgr manager.Manager) error {
	if r.GardenClient == nil {
		r.GardenClient = mgr.GetClient()
	}
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	return builder.ControllerManagedBy(mgr).
		Named(ControllerName).
		For(&gardencorev1beta1.ControllerInstallation{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, deletionStarted()))).
		Watches(&gardencorev1beta1.ControllerRegistration{}, handler.EnqueueRequestsFromMapFunc(r.installationsOf(func(inst *gardencorev1beta1.ControllerInstallation, name string) bool {
			return inst.Spec.RegistrationRef.Name == name
		}))).
		Watches(&gardencorev1.ControllerDeployment{}, handler.EnqueueRequestsFromMapFunc(r.installationsOf(func(inst *gardencorev1beta1.ControllerInstallation, name string) bool {
			return inst.Spec.DeploymentRef != nil && inst.Spec.DeploymentRef.Name == name
		}))).
		Watches(&gardencorev1beta1.Seed{}, handler.EnqueueRequestsFromMapFunc(r.installationsOf(func(*gardencorev1beta1.ControllerInstallation, string) bool {
			return true
		})), builder.WithPredicates(seedValuesChanged())).
		Complete(r)
}

// deletionStarted passes the update that gives an object its deletion timestamp.
func deletionStarted() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return e.ObjectOld.GetDeletionTimestamp() == nil && e.ObjectNew.GetDeletionTimestamp() != nil
	}}
}

// seedValuesChanged passes changes of a seed's spec (its generation), labels and
// annotations, which the charts' values hold, but not its frequent status updates.
func seedValuesChanged() predicate.Predicate {
	return predicate.Or(predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}, predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			return !equality.Semantic.DeepEqual(e.ObjectOld.GetAnnotations(), e.ObjectNew.GetAnnotations())
		},
	})
}

// installationsOf maps an object to this seed's installations that refer to it.
func (r *Reconciler) installationsOf(refersTo func(inst *gardencorev1beta1.ControllerInstallation, name string) bool) handler.MapFunc {
	return func(ctx context.Context, obj client.Object) []reconcile.Request {
		list := &gardencorev1beta1.ControllerInstallationList{}
		if err := r.GardenClient.List(ctx, list); err != nil {
			return nil
		}
		var out []reconcile.Request
		for _, inst := range list.Items {
			if seedOf(&inst) == r.SeedName && refersTo(&inst, obj.GetName()) {
				out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&inst)})
			}
		}
		return out
	}
}
