package controllerinstallation

import (
	"context"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// AddToManager adds the controller to mgr. It watches the seed's ControllerInstallations
// (the manager's cache should hold only those) and their ControllerRegistrations.
func (r *Reconciler) AddToManager(mgr manager.Manager) error {
	if r.GardenClient == nil {
		r.GardenClient = mgr.GetClient()
	}
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	return builder.ControllerManagedBy(mgr).
		Named(ControllerName).
		For(&gardencorev1beta1.ControllerInstallation{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&gardencorev1beta1.ControllerRegistration{}, handler.EnqueueRequestsFromMapFunc(r.installationsOf)).
		Complete(r)
}

// installationsOf maps a registration to this seed's installations of it.
func (r *Reconciler) installationsOf(ctx context.Context, obj client.Object) []reconcile.Request {
	list := &gardencorev1beta1.ControllerInstallationList{}
	if err := r.GardenClient.List(ctx, list); err != nil {
		return nil
	}
	var out []reconcile.Request
	for _, inst := range list.Items {
		if inst.Spec.RegistrationRef.Name == obj.GetName() && seedOf(&inst) == r.SeedName {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&inst)})
		}
	}
	return out
}
