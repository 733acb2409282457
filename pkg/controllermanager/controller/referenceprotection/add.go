package referenceprotection

import (
	"context"
	"errors"
	"fmt"
	"strings"

	controllermanagerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/controllermanager/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// ControllerName returns the name of the controller protecting kind, in logs and metrics.
func ControllerName(kind Kind) string {
	return "referenceprotection-" + strings.ToLower(string(kind))
}

// AddAllToManager adds one Reconciler for each of Kinds to mgr, all with config.
func AddAllToManager(mgr manager.Manager, config controllermanagerconfigv1alpha1.ControllerManagerControllerConfiguration) error {
	var errs []error
	for _, kind := range Kinds {
		if err := (&Reconciler{Kind: kind, Config: config}).AddToManager(mgr); err != nil {
			errs = append(errs, fmt.Errorf("adding the %s controller: %w", ControllerName(kind), err))
		}
	}
	return errors.Join(errs...)
}

// AddToManager fills in the unset dependencies of r from mgr and adds r to mgr. The
// controller reconciles the objects of r.Kind, and those that a Shoot, a
// NamespacedCloudProfile (for CloudProfiles) or a binding (for Quotas) references when
// that changes or goes away.
func (r *Reconciler) AddToManager(mgr manager.Manager) error {
	if r.Client == nil {
		r.Client = mgr.GetClient()
	}
	obj := newObject(r.Kind)
	if obj == nil {
		return fmt.Errorf("unknown kind %q", r.Kind)
	}
	b := builder.ControllerManagedBy(mgr).
		Named(ControllerName(r.Kind)).
		For(obj).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.concurrentSyncs()})
	switch r.Kind {
	case KindQuota:
		b = b.Watches(&gardencorev1beta1.SecretBinding{}, handler.EnqueueRequestsFromMapFunc(mapBindingToQuotas)).
			Watches(&securityv1alpha1.CredentialsBinding{}, handler.EnqueueRequestsFromMapFunc(mapBindingToQuotas))
	case KindCloudProfile:
		b = b.Watches(&gardencorev1beta1.NamespacedCloudProfile{}, handler.EnqueueRequestsFromMapFunc(mapNamespacedCloudProfileToParent)).
			Watches(&gardencorev1beta1.Shoot{}, handler.EnqueueRequestsFromMapFunc(r.mapShoot))
	default:
		b = b.Watches(&gardencorev1beta1.Shoot{}, handler.EnqueueRequestsFromMapFunc(r.mapShoot))
	}
	return b.Complete(r)
}

func (r *Reconciler) concurrentSyncs() int {
	var n *int
	switch c := r.Config; r.Kind {
	case KindCloudProfile:
		if c.CloudProfile != nil {
			n = c.CloudProfile.ConcurrentSyncs
		}
	case KindSecretBinding:
		if c.SecretBinding != nil {
			n = c.SecretBinding.ConcurrentSyncs
		}
	case KindCredentialsBinding:
		if c.CredentialsBinding != nil {
			n = c.CredentialsBinding.ConcurrentSyncs
		}
	case KindQuota:
		if c.Quota != nil {
			n = c.Quota.ConcurrentSyncs
		}
	case KindExposureClass:
		if c.ExposureClass != nil {
			n = c.ExposureClass.ConcurrentSyncs
		}
	}
	return ptr.Deref(n, 0)
}

func requests(keys []client.ObjectKey) []reconcile.Request {
	out := make([]reconcile.Request, 0, len(keys))
	for _, k := range keys {
		out = append(out, reconcile.Request{NamespacedName: k})
	}
	return out
}

func (r *Reconciler) mapShoot(_ context.Context, obj client.Object) []reconcile.Request {
	shoot, ok := obj.(*gardencorev1beta1.Shoot)
	if !ok {
		return nil
	}
	return requests(ShootReferences(shoot, r.Kind))
}

func mapBindingToQuotas(_ context.Context, obj client.Object) []reconcile.Request {
	return requests(QuotasOf(obj))
}

func mapNamespacedCloudProfileToParent(_ context.Context, obj client.Object) []reconcile.Request {
	profile, ok := obj.(*gardencorev1beta1.NamespacedCloudProfile)
	if !ok || ParentOf(profile) == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: ParentOf(profile)}}}
}
