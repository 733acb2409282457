package controllerregistration

import (
	"context"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// ControllerName is the name of the controller, in logs and metrics.
const ControllerName = "controllerregistration-seed"

// AddToManager fills in the unset dependencies of r from mgr and adds r to mgr, together
// with a FinalizerReconciler (controller controllerregistration-finalizer) with the same
// client and concurrency, as Gardener's controllerregistration controller has both. The
// controller reconciles Seeds: a Seed itself, the seeds a Shoot is or was scheduled to,
// the seed of a ControllerInstallation, and every seed when a ControllerRegistration or
// ControllerDeployment changes.
func (r *Reconciler) AddToManager(mgr manager.Manager) error {
	if r.Client == nil {
		r.Client = mgr.GetClient()
	}
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	if err := (&FinalizerReconciler{Client: r.Client, ConcurrentSyncs: ptr.Deref(r.Config.ConcurrentSyncs, 0)}).AddToManager(mgr); err != nil {
		return err
	}
	return builder.ControllerManagedBy(mgr).
		Named(ControllerName).
		For(&gardencorev1beta1.Seed{}).
		Watches(&gardencorev1beta1.Shoot{}, handler.EnqueueRequestsFromMapFunc(mapShootToSeeds)).
		Watches(&gardencorev1beta1.ControllerInstallation{}, handler.EnqueueRequestsFromMapFunc(mapInstallationToSeed)).
		Watches(&gardencorev1beta1.ControllerRegistration{}, handler.EnqueueRequestsFromMapFunc(r.mapToAllSeeds)).
		Watches(&gardencorev1beta1.ControllerDeployment{}, handler.EnqueueRequestsFromMapFunc(r.mapToAllSeeds)).
		WithOptions(controller.Options{MaxConcurrentReconciles: ptr.Deref(r.Config.ConcurrentSyncs, 0)}).
		Complete(r)
}

// mapShootToSeeds maps a Shoot to its seeds. On updates, controller-runtime maps both the
// old and the new object, so the seed a shoot leaves is reconciled too.
func mapShootToSeeds(_ context.Context, obj client.Object) []reconcile.Request {
	shoot, ok := obj.(*gardencorev1beta1.Shoot)
	if !ok {
		return nil
	}
	var out []reconcile.Request
	for name := range seedsOf(shoot) {
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKey{Name: name}})
	}
	return out
}

func mapInstallationToSeed(_ context.Context, obj client.Object) []reconcile.Request {
	inst, ok := obj.(*gardencorev1beta1.ControllerInstallation)
	if !ok || inst.Spec.SeedRef == nil {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: inst.Spec.SeedRef.Name}}}
}

func (r *Reconciler) mapToAllSeeds(ctx context.Context, _ client.Object) []reconcile.Request {
	seeds := &gardencorev1beta1.SeedList{}
	if err := r.Client.List(ctx, seeds); err != nil {
		logf.FromContext(ctx).Error(err, "Could not list Seeds")
		return nil
	}
	out := make([]reconcile.Request, 0, len(seeds.Items))
	for _, s := range seeds.Items {
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKey{Name: s.Name}})
	}
	return out
}
