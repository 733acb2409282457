package seedextensionscheck

import (
	"context"
	"fmt"
	"time"

	controllermanagerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/controllermanager/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/pkg/controllermanager/controller/seedlifecycle"
)

// DefaultSyncPeriod is the default of Config.SyncPeriod, Gardener's.
const DefaultSyncPeriod = 30 * time.Second

// Reconciler maintains the ExtensionsReady condition of each Seed from the
// ControllerInstallations whose spec.seedRef names it (see Check and NextStatus). It
// leaves the Seed's other conditions alone, and keeps lastTransitionTime while the
// status stays the same. It checks every seed again after Config.SyncPeriod, and sooner
// when a Progressing condition is due to turn False.
type Reconciler struct {
	// Client reads Seeds and ControllerInstallations (from the manager's cache) and
	// writes the status of Seeds. Defaults to the manager's client.
	Client client.Client
	// Config is the controller's section of the controller manager configuration. Its
	// ConcurrentSyncs, SyncPeriod (DefaultSyncPeriod when unset) and the threshold of
	// ExtensionsReady in ConditionThresholds (none when unset) are used.
	Config controllermanagerconfigv1alpha1.SeedExtensionsCheckControllerConfiguration
	// Clock tells the time. Defaults to the real clock.
	Clock clock.PassiveClock
}

// SyncPeriod returns the configured sync period, or its default.
func (r *Reconciler) SyncPeriod() time.Duration {
	if r.Config.SyncPeriod != nil && r.Config.SyncPeriod.Duration > 0 {
		return r.Config.SyncPeriod.Duration
	}
	return DefaultSyncPeriod
}

// Threshold returns how long ExtensionsReady may stay Progressing before it turns False:
// the duration of its entry in Config.ConditionThresholds, or zero.
func (r *Reconciler) Threshold() time.Duration {
	for _, t := range r.Config.ConditionThresholds {
		if t.Type == string(gardencorev1beta1.SeedExtensionsReady) {
			return t.Duration.Duration
		}
	}
	return 0
}

// Reconcile sets the ExtensionsReady condition of the Seed named by req.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	seed := &gardencorev1beta1.Seed{}
	if err := r.Client.Get(ctx, req.NamespacedName, seed); err != nil {
		if apierrors.IsNotFound(err) {
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, fmt.Errorf("reading the seed: %w", err)
	}

	installations, err := r.installationsOf(ctx, seed.Name)
	if err != nil {
		return reconcile.Result{}, err
	}
	verdict := Check(installations)
	now := r.Clock.Now()
	status, progressingFor := NextStatus(findCondition(seed.Status.Conditions, gardencorev1beta1.SeedExtensionsReady), verdict.Ready, r.Threshold(), now)

	conditions, condition, changed := seedlifecycle.SetCondition(seed.Status.Conditions, gardencorev1beta1.SeedExtensionsReady, status, verdict.Reason, verdict.Message, now)
	if changed {
		patch := client.MergeFromWithOptions(seed.DeepCopy(), client.MergeFromWithOptimisticLock{})
		seed.Status.Conditions = conditions
		if err := r.Client.Status().Patch(ctx, seed, patch); err != nil {
			return reconcile.Result{}, fmt.Errorf("setting the ExtensionsReady condition: %w", err)
		}
		logf.FromContext(ctx).Info("Set the ExtensionsReady condition", "status", condition.Status, "reason", condition.Reason)
	}

	requeue := r.SyncPeriod()
	if progressingFor > 0 {
		requeue = min(requeue, progressingFor)
	}
	return reconcile.Result{RequeueAfter: requeue}, nil
}

// installationsOf returns the ControllerInstallations whose spec.seedRef names the seed.
// It lists them all and filters: there are a few per seed, and no field index on
// spec.seedRef.name to register.
func (r *Reconciler) installationsOf(ctx context.Context, seedName string) ([]gardencorev1beta1.ControllerInstallation, error) {
	list := &gardencorev1beta1.ControllerInstallationList{}
	if err := r.Client.List(ctx, list); err != nil {
		return nil, fmt.Errorf("listing ControllerInstallations: %w", err)
	}
	var out []gardencorev1beta1.ControllerInstallation
	for _, inst := range list.Items {
		if inst.Spec.SeedRef != nil && inst.Spec.SeedRef.Name == seedName {
			out = append(out, inst)
		}
	}
	return out, nil
}
