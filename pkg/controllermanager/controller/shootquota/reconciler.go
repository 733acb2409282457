package shootquota

import (
	"context"
	"errors"
	"fmt"
	"time"

	controllermanagerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/controllermanager/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// Reasons of the events the controller records on Shoots.
const (
	// EventExpirationSet is recorded when the expiration timestamp annotation is set.
	EventExpirationSet = "ExpirationTimestampSet"
	// EventDeletingExpired is recorded when an expired Shoot is deleted.
	EventDeletingExpired = "DeletingExpiredShoot"
	// EventInvalidExpiration is recorded when the expiration annotation cannot be parsed.
	EventInvalidExpiration = "InvalidExpirationTimestamp"
)

// DefaultSyncPeriod is how often a Shoot whose lifetime is not limited is checked again,
// when Config.SyncPeriod is unset: its binding or quotas may change. Gardener's default.
const DefaultSyncPeriod = time.Hour

// Reconciler enforces the cluster lifetime of Quotas: a Shoot whose SecretBinding or
// CredentialsBinding references Quotas with spec.clusterLifetimeDays gets the annotation
// shoot.gardener.cloud/expiration-timestamp, its creation time plus the shortest of those
// lifetimes, unless it has one already (so an operator can extend a shoot's life by
// editing it). Once that time has passed, the Shoot gets
// confirmation.gardener.cloud/deletion=true and is deleted.
type Reconciler struct {
	// Client reads Shoots, bindings and Quotas (from the manager's cache) and writes
	// Shoots. Defaults to the manager's client.
	Client client.Client
	// Config is the controller's section of the controller manager configuration.
	// SyncPeriod is how often a Shoot is checked again at most (default
	// DefaultSyncPeriod).
	Config controllermanagerconfigv1alpha1.ShootQuotaControllerConfiguration
	// Clock tells the time. Defaults to the real clock.
	Clock clock.PassiveClock
	// Recorder records events on Shoots. Defaults to the manager's recorder for
	// ControllerName.
	Recorder events.EventRecorder
}

func (r *Reconciler) syncPeriod() time.Duration {
	if p := r.Config.SyncPeriod; p != nil && p.Duration > 0 {
		return p.Duration
	}
	return DefaultSyncPeriod
}

// Reconcile annotates, or deletes if expired, the Shoot named by req, and asks to be called
// again at its expiration or after the sync period, whichever comes first.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	log := logf.FromContext(ctx)
	shoot := &gardencorev1beta1.Shoot{}
	if err := r.Client.Get(ctx, req.NamespacedName, shoot); err != nil {
		if apierrors.IsNotFound(err) {
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, fmt.Errorf("reading the shoot: %w", err)
	}
	if shoot.DeletionTimestamp != nil {
		return reconcile.Result{}, nil
	}

	quotas, err := r.quotasOf(ctx, shoot)
	if err != nil {
		return reconcile.Result{}, err
	}
	lifetime, ok := Lifetime(quotas)
	if !ok {
		return reconcile.Result{RequeueAfter: r.syncPeriod()}, nil
	}
	expires, annotate, err := Expiration(shoot, lifetime)
	if err != nil {
		r.Recorder.Eventf(shoot, nil, corev1.EventTypeWarning, EventInvalidExpiration, gardencorev1beta1.EventActionReconcile, "%s", err.Error())
		return reconcile.Result{}, reconcile.TerminalError(err)
	}
	if annotate {
		patch := client.MergeFrom(shoot.DeepCopy())
		metav1.SetMetaDataAnnotation(&shoot.ObjectMeta, v1beta1constants.ShootExpirationTimestamp, expires.Format(time.RFC3339))
		if err := r.Client.Patch(ctx, shoot, patch); err != nil {
			return reconcile.Result{}, fmt.Errorf("setting the expiration timestamp: %w", err)
		}
		log.Info("Set the expiration timestamp", "expires", expires)
		r.Recorder.Eventf(shoot, nil, corev1.EventTypeNormal, EventExpirationSet, gardencorev1beta1.EventActionReconcile,
			"The cluster lifetime of the quota is %d days: the cluster expires at %s", int(lifetime.Hours()/24), expires.Format(time.RFC3339))
	}

	now := r.Clock.Now()
	if now.Before(expires) {
		return reconcile.Result{RequeueAfter: min(expires.Sub(now), r.syncPeriod())}, nil
	}
	if err := r.deleteExpired(ctx, shoot, expires); err != nil {
		return reconcile.Result{}, err
	}
	return reconcile.Result{}, nil
}

// deleteExpired confirms the deletion of shoot and deletes it.
func (r *Reconciler) deleteExpired(ctx context.Context, shoot *gardencorev1beta1.Shoot, expires time.Time) error {
	if shoot.Annotations[v1beta1constants.ConfirmationDeletion] != "true" {
		patch := client.MergeFrom(shoot.DeepCopy())
		metav1.SetMetaDataAnnotation(&shoot.ObjectMeta, v1beta1constants.ConfirmationDeletion, "true")
		if err := r.Client.Patch(ctx, shoot, patch); err != nil {
			return fmt.Errorf("confirming the deletion: %w", err)
		}
	}
	if err := r.Client.Delete(ctx, shoot, client.Preconditions{UID: ptr.To(shoot.UID)}); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting the expired shoot: %w", err)
	}
	logf.FromContext(ctx).Info("Deleted the shoot: its cluster lifetime has passed", "expired", expires)
	r.Recorder.Eventf(shoot, nil, corev1.EventTypeNormal, EventDeletingExpired, gardencorev1beta1.EventActionDelete,
		"The cluster lifetime expired at %s: deleting the cluster", expires.Format(time.RFC3339))
	return nil
}

// quotasOf returns the Quotas that the binding of shoot references. A binding or quota
// that does not exist (any more) limits nothing.
func (r *Reconciler) quotasOf(ctx context.Context, shoot *gardencorev1beta1.Shoot) ([]gardencorev1beta1.Quota, error) {
	var refs []corev1.ObjectReference
	switch {
	case ptr.Deref(shoot.Spec.SecretBindingName, "") != "":
		binding := &gardencorev1beta1.SecretBinding{}
		if err := r.Client.Get(ctx, client.ObjectKey{Namespace: shoot.Namespace, Name: *shoot.Spec.SecretBindingName}, binding); err != nil {
			return nil, client.IgnoreNotFound(fmt.Errorf("reading the SecretBinding: %w", err))
		}
		refs = binding.Quotas
	case ptr.Deref(shoot.Spec.CredentialsBindingName, "") != "":
		binding := &securityv1alpha1.CredentialsBinding{}
		if err := r.Client.Get(ctx, client.ObjectKey{Namespace: shoot.Namespace, Name: *shoot.Spec.CredentialsBindingName}, binding); err != nil {
			return nil, client.IgnoreNotFound(fmt.Errorf("reading the CredentialsBinding: %w", err))
		}
		refs = binding.Quotas
	}
	var (
		out  []gardencorev1beta1.Quota
		errs []error
	)
	for _, ref := range refs {
		ns := ref.Namespace
		if ns == "" {
			ns = shoot.Namespace
		}
		quota := &gardencorev1beta1.Quota{}
		if err := r.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: ref.Name}, quota); err != nil {
			if !apierrors.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("reading Quota %s/%s: %w", ns, ref.Name, err))
			}
			continue
		}
		out = append(out, *quota)
	}
	return out, errors.Join(errs...)
}
