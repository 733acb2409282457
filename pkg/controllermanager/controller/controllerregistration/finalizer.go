package controllerregistration

import (
	"context"
	"fmt"
	"slices"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

const (
	// FinalizerName keeps a ControllerRegistration until no ControllerInstallation refers
	// to it, as in Gardener: a deleted registration is no longer required on any seed, but
	// its installations stay while shoots need them (see NeededBy), and the gardenlets
	// read the registration to uninstall them.
	FinalizerName = "core.gardener.cloud/controllerregistration"
	// FinalizerControllerName is the name of the FinalizerReconciler, in logs and metrics.
	FinalizerControllerName = "controllerregistration-finalizer"
)

// FinalizerReconciler adds FinalizerName to every ControllerRegistration, and removes it
// from a deleted one once no ControllerInstallation's spec.registrationRef names it.
type FinalizerReconciler struct {
	// Client reads ControllerRegistrations and ControllerInstallations (from the
	// manager's cache) and writes the registrations' finalizers. Defaults to the
	// manager's client.
	Client client.Client
	// ConcurrentSyncs is how many registrations are reconciled at once; controller-runtime's
	// default when zero.
	ConcurrentSyncs int
}

// Reconcile adds or removes the finalizer of the ControllerRegistration named by req.
func (r *FinalizerReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	log := logf.FromContext(ctx)
	registration := &gardencorev1beta1.ControllerRegistration{}
	if err := r.Client.Get(ctx, req.NamespacedName, registration); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if registration.DeletionTimestamp == nil {
		if controllerutil.ContainsFinalizer(registration, FinalizerName) {
			return reconcile.Result{}, nil
		}
		patch := client.MergeFromWithOptions(registration.DeepCopy(), client.MergeFromWithOptimisticLock{})
		controllerutil.AddFinalizer(registration, FinalizerName)
		if err := r.Client.Patch(ctx, registration, patch); err != nil {
			return reconcile.Result{}, fmt.Errorf("adding the finalizer to ControllerRegistration %s: %w", registration.Name, err)
		}
		return reconcile.Result{}, nil
	}
	if !controllerutil.ContainsFinalizer(registration, FinalizerName) {
		return reconcile.Result{}, nil
	}

	installations := &gardencorev1beta1.ControllerInstallationList{}
	if err := r.Client.List(ctx, installations); err != nil {
		return reconcile.Result{}, fmt.Errorf("listing ControllerInstallations: %w", err)
	}
	var left []string
	for _, inst := range installations.Items {
		if inst.Spec.RegistrationRef.Name == registration.Name {
			left = append(left, inst.Name)
		}
	}
	if len(left) > 0 {
		// The installations' deletion brings the registration back.
		slices.Sort(left)
		log.Info("Keeping the deleted ControllerRegistration while ControllerInstallations refer to it", "controllerInstallations", left)
		return reconcile.Result{}, nil
	}
	patch := client.MergeFromWithOptions(registration.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.RemoveFinalizer(registration, FinalizerName)
	if err := r.Client.Patch(ctx, registration, patch); client.IgnoreNotFound(err) != nil {
		return reconcile.Result{}, fmt.Errorf("removing the finalizer of ControllerRegistration %s: %w", registration.Name, err)
	}
	log.Info("Released the deleted ControllerRegistration: no ControllerInstallation refers to it")
	return reconcile.Result{}, nil
}

// AddToManager fills in the unset dependencies of r from mgr and adds r to mgr. The
// controller reconciles a ControllerRegistration when it changes and when a
// ControllerInstallation that refers to it changes or goes.
func (r *FinalizerReconciler) AddToManager(mgr manager.Manager) error {
	if r.Client == nil {
		r.Client = mgr.GetClient()
	}
	return builder.ControllerManagedBy(mgr).
		Named(FinalizerControllerName).
		For(&gardencorev1beta1.ControllerRegistration{}).
		Watches(&gardencorev1beta1.ControllerInstallation{}, handler.EnqueueRequestsFromMapFunc(mapInstallationToRegistration)).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.ConcurrentSyncs}).
		Complete(r)
}

func mapInstallationToRegistration(_ context.Context, obj client.Object) []reconcile.Request {
	inst, ok := obj.(*gardencorev1beta1.ControllerInstallation)
	if !ok || inst.Spec.RegistrationRef.Name == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: inst.Spec.RegistrationRef.Name}}}
}
