package referenceprotection

import (
	"context"
	"fmt"
	"slices"

	controllermanagerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/controllermanager/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// Kind is a kind of object the controllers protect.
type Kind string

// The kinds the controllers protect, one controller each.
const (
	KindCloudProfile       Kind = "CloudProfile"
	KindSecretBinding      Kind = "SecretBinding"
	KindCredentialsBinding Kind = "CredentialsBinding"
	KindQuota              Kind = "Quota"
	KindExposureClass      Kind = "ExposureClass"
)

// Kinds lists the kinds the controllers protect.
var Kinds = []Kind{KindCloudProfile, KindSecretBinding, KindCredentialsBinding, KindQuota, KindExposureClass}

// newObject returns an empty object of kind k.
func newObject(k Kind) client.Object {
	switch k {
	case KindCloudProfile:
		return &gardencorev1beta1.CloudProfile{}
	case KindSecretBinding:
		return &gardencorev1beta1.SecretBinding{}
	case KindCredentialsBinding:
		return &securityv1alpha1.CredentialsBinding{}
	case KindQuota:
		return &gardencorev1beta1.Quota{}
	case KindExposureClass:
		return &gardencorev1beta1.ExposureClass{}
	}
	return nil
}

// Reconciler protects the objects of one Kind, as Gardener's CloudProfile, SecretBinding,
// CredentialsBinding, Quota and ExposureClass controllers do: every live object carries
// FinalizerName, and when it is deleted the finalizer is removed only once nothing
// references it any more. Putting the finalizer on every object, not only on those in use,
// closes the race between deleting an object and creating a Shoot that uses it.
//
// References are: for a CloudProfile, Shoots (spec.cloudProfile or spec.cloudProfileName)
// and NamespacedCloudProfiles (spec.parent); for a SecretBinding or CredentialsBinding,
// Shoots of its namespace; for a Quota, SecretBindings and CredentialsBindings
// (spec.quotas); for an ExposureClass, Shoots (spec.exposureClassName).
type Reconciler struct {
	// Client reads the protected objects and their users (from the manager's cache) and
	// writes the protected objects. Defaults to the manager's client.
	Client client.Client
	// Kind is the kind of object this reconciler protects.
	Kind Kind
	// Config is the controller manager's controller configuration; the ConcurrentSyncs of
	// the section of Kind (CloudProfile, SecretBinding, CredentialsBinding, Quota or
	// ExposureClass) is used.
	Config controllermanagerconfigv1alpha1.ControllerManagerControllerConfiguration
}

// Reconcile puts the finalizer on the object named by req, or removes it if the object is
// being deleted and nothing references it.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	log := logf.FromContext(ctx)
	obj := newObject(r.Kind)
	if obj == nil {
		return reconcile.Result{}, reconcile.TerminalError(fmt.Errorf("unknown kind %q", r.Kind))
	}
	if err := r.Client.Get(ctx, req.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, fmt.Errorf("reading the %s: %w", r.Kind, err)
	}

	if obj.GetDeletionTimestamp() == nil {
		if controllerutil.ContainsFinalizer(obj, FinalizerName) {
			return reconcile.Result{}, nil
		}
		patch := client.MergeFromWithOptions(obj.DeepCopyObject().(client.Object), client.MergeFromWithOptimisticLock{})
		controllerutil.AddFinalizer(obj, FinalizerName)
		if err := r.Client.Patch(ctx, obj, patch); err != nil {
			return reconcile.Result{}, fmt.Errorf("adding the finalizer: %w", err)
		}
		return reconcile.Result{}, nil
	}

	if !controllerutil.ContainsFinalizer(obj, FinalizerName) {
		return reconcile.Result{}, nil
	}
	users, err := r.users(ctx, client.ObjectKeyFromObject(obj))
	if err != nil {
		return reconcile.Result{}, err
	}
	if len(users) > 0 {
		// The watches on the users bring the object back when one goes away.
		log.Info("Deletion waits while the object is still referenced", "referencedBy", users)
		return reconcile.Result{}, nil
	}
	patch := client.MergeFromWithOptions(obj.DeepCopyObject().(client.Object), client.MergeFromWithOptimisticLock{})
	controllerutil.RemoveFinalizer(obj, FinalizerName)
	if err := r.Client.Patch(ctx, obj, patch); err != nil {
		return reconcile.Result{}, fmt.Errorf("removing the finalizer: %w", err)
	}
	log.Info("Released the object for deletion: nothing references it")
	return reconcile.Result{}, nil
}

// users returns, as "Kind namespace/name", up to a few of the objects that reference the
// object of r.Kind with the given key.
func (r *Reconciler) users(ctx context.Context, key client.ObjectKey) ([]string, error) {
	const limit = 5
	var out []string
	add := func(kind string, obj client.Object) bool {
		out = append(out, kind+" "+client.ObjectKeyFromObject(obj).String())
		return len(out) >= limit
	}

	switch r.Kind {
	case KindQuota:
		secretBindings := &gardencorev1beta1.SecretBindingList{}
		if err := r.Client.List(ctx, secretBindings); err != nil {
			return nil, fmt.Errorf("listing SecretBindings: %w", err)
		}
		for i := range secretBindings.Items {
			if slices.Contains(QuotasOf(&secretBindings.Items[i]), key) && add("SecretBinding", &secretBindings.Items[i]) {
				return out, nil
			}
		}
		credentialsBindings := &securityv1alpha1.CredentialsBindingList{}
		if err := r.Client.List(ctx, credentialsBindings); err != nil {
			return nil, fmt.Errorf("listing CredentialsBindings: %w", err)
		}
		for i := range credentialsBindings.Items {
			if slices.Contains(QuotasOf(&credentialsBindings.Items[i]), key) && add("CredentialsBinding", &credentialsBindings.Items[i]) {
				return out, nil
			}
		}
		return out, nil
	case KindCloudProfile:
		namespaced := &gardencorev1beta1.NamespacedCloudProfileList{}
		if err := r.Client.List(ctx, namespaced); err != nil {
			return nil, fmt.Errorf("listing NamespacedCloudProfiles: %w", err)
		}
		for i := range namespaced.Items {
			if ParentOf(&namespaced.Items[i]) == key.Name && add("NamespacedCloudProfile", &namespaced.Items[i]) {
				return out, nil
			}
		}
	}

	shoots := &gardencorev1beta1.ShootList{}
	var opts []client.ListOption
	if key.Namespace != "" {
		opts = append(opts, client.InNamespace(key.Namespace))
	}
	if err := r.Client.List(ctx, shoots, opts...); err != nil {
		return nil, fmt.Errorf("listing Shoots: %w", err)
	}
	for i := range shoots.Items {
		if slices.Contains(ShootReferences(&shoots.Items[i], r.Kind), key) && add("Shoot", &shoots.Items[i]) {
			return out, nil
		}
	}
	return out, nil
}
