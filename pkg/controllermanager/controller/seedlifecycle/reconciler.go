package seedlifecycle

import (
	"context"
	"errors"
	"fmt"
	"time"

	controllermanagerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/controllermanager/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// Reasons of the conditions the controller sets.
const (
	// ReasonSeedStatusUnknown is the reason of a Seed's GardenletReady condition once its
	// Lease is stale.
	ReasonSeedStatusUnknown = "SeedStatusUnknown"
	// ReasonShootStatusUnknown is the reason of the conditions and constraints of the
	// Shoots of such a Seed once it has been stale for the shoot monitor period.
	ReasonShootStatusUnknown = "StatusUnknown"
)

// Defaults of the periods, Gardener's: they apply when Config leaves them unset.
const (
	// DefaultMonitorPeriod is the default of Config.MonitorPeriod.
	DefaultMonitorPeriod = 40 * time.Second
	// DefaultShootMonitorPeriodFactor is the default of Config.ShootMonitorPeriod, in
	// monitor periods.
	DefaultShootMonitorPeriodFactor = 5
)

// Reconciler watches the heartbeat of the gardenlet of each Seed: the Lease named after
// the Seed in LeaseNamespace, whose spec.renewTime the gardenlet renews.
//
//   - While the Lease was renewed within Config.MonitorPeriod, the controller does nothing:
//     the gardenlet reports the Seed's conditions itself, GardenletReady among them, and
//     only the gardenlet sets GardenletReady back to True.
//   - Once it was not (or there is no Lease), the controller sets the Seed's GardenletReady
//     condition to Unknown with reason ReasonSeedStatusUnknown.
//   - Once GardenletReady has been Unknown for Config.ShootMonitorPeriod (measured from its
//     lastTransitionTime, as Gardener does), the controller sets every condition and
//     constraint of every Shoot whose spec.seedName or status.seedName is the Seed to
//     Unknown with reason ReasonShootStatusUnknown: nobody checks their health any more.
//
// A Seed without conditions has never been reported on by a gardenlet and is left alone.
// Every staleness decision uses Clock; the controller looks again at the next moment a
// decision could change, at the latest after the monitor period.
type Reconciler struct {
	// Client reads Seeds, Leases and Shoots (from the manager's cache) and writes the
	// status of Seeds and Shoots. Defaults to the manager's client.
	Client client.Client
	// Config is the controller's section of the controller manager configuration. Its
	// MonitorPeriod and ShootMonitorPeriod are used, with Gardener's defaults when unset;
	// SyncPeriod is not: the controller requeues at the next deadline instead.
	Config controllermanagerconfigv1alpha1.SeedControllerConfiguration
	// Clock tells the time. Defaults to the real clock.
	Clock clock.PassiveClock
	// LeaseNamespace is the namespace of the gardenlets' Leases. Defaults to Gardener's
	// gardener-system-seed-lease.
	LeaseNamespace string
}

// MonitorPeriod returns the configured monitor period, or its default.
func (r *Reconciler) MonitorPeriod() time.Duration {
	if r.Config.MonitorPeriod != nil && r.Config.MonitorPeriod.Duration > 0 {
		return r.Config.MonitorPeriod.Duration
	}
	return DefaultMonitorPeriod
}

// ShootMonitorPeriod returns the configured shoot monitor period, or its default.
func (r *Reconciler) ShootMonitorPeriod() time.Duration {
	if r.Config.ShootMonitorPeriod != nil && r.Config.ShootMonitorPeriod.Duration > 0 {
		return r.Config.ShootMonitorPeriod.Duration
	}
	return DefaultShootMonitorPeriodFactor * r.MonitorPeriod()
}

// Reconcile checks the Lease of the Seed named by req, marks the Seed and its Shoots
// Unknown if it is stale, and asks to be called again at the next deadline.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	log := logf.FromContext(ctx)
	seed := &gardencorev1beta1.Seed{}
	if err := r.Client.Get(ctx, req.NamespacedName, seed); err != nil {
		if apierrors.IsNotFound(err) {
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, fmt.Errorf("reading the seed: %w", err)
	}
	monitor := r.MonitorPeriod()
	if len(seed.Status.Conditions) == 0 {
		log.V(1).Info("Seed has no conditions yet, waiting for its gardenlet")
		return reconcile.Result{RequeueAfter: monitor}, nil
	}

	renewTime, err := r.renewTime(ctx, seed.Name)
	if err != nil {
		return reconcile.Result{}, err
	}
	now := r.Clock.Now()
	if renewTime != nil {
		if staleAt := renewTime.Add(monitor); staleAt.After(now) {
			return reconcile.Result{RequeueAfter: min(staleAt.Sub(now), monitor)}, nil
		}
	}

	ready, err := r.markSeedUnknown(ctx, seed, renewTime, now)
	if err != nil {
		return reconcile.Result{}, err
	}
	if shootsAt := ready.LastTransitionTime.Add(r.ShootMonitorPeriod()); shootsAt.After(now) {
		return reconcile.Result{RequeueAfter: min(shootsAt.Sub(now), monitor)}, nil
	}
	if err := r.markShootsUnknown(ctx, seed.Name, now); err != nil {
		return reconcile.Result{}, err
	}
	return reconcile.Result{RequeueAfter: monitor}, nil
}

// renewTime returns the renew time of the Lease of the seed, or nil if there is no Lease
// or it was never renewed.
func (r *Reconciler) renewTime(ctx context.Context, seedName string) (*time.Time, error) {
	lease := &coordinationv1.Lease{}
	if err := r.Client.Get(ctx, client.ObjectKey{Namespace: r.LeaseNamespace, Name: seedName}, lease); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("reading the gardenlet's lease: %w", err)
	}
	if lease.Spec.RenewTime == nil {
		return nil, nil
	}
	return ptr.To(lease.Spec.RenewTime.Time), nil
}

// markSeedUnknown sets the GardenletReady condition of seed to Unknown, unless it says so
// already, and returns it.
func (r *Reconciler) markSeedUnknown(ctx context.Context, seed *gardencorev1beta1.Seed, renewTime *time.Time, now time.Time) (gardencorev1beta1.Condition, error) {
	message := "Gardenlet stopped posting seed status (no lease)."
	if renewTime != nil {
		message = fmt.Sprintf("Gardenlet stopped posting seed status (lease renewed at %s).", renewTime.UTC().Format(time.RFC3339))
	}
	conditions, ready, changed := SetCondition(seed.Status.Conditions, gardencorev1beta1.GardenletReady, gardencorev1beta1.ConditionUnknown, ReasonSeedStatusUnknown, message, now)
	if !changed {
		return ready, nil
	}
	patch := client.MergeFromWithOptions(seed.DeepCopy(), client.MergeFromWithOptimisticLock{})
	seed.Status.Conditions = conditions
	if err := r.Client.Status().Patch(ctx, seed, patch); err != nil {
		return ready, fmt.Errorf("setting the GardenletReady condition to Unknown: %w", err)
	}
	logf.FromContext(ctx).Info("Gardenlet stopped renewing its lease, set GardenletReady to Unknown", "renewTime", renewTime, "monitorPeriod", r.MonitorPeriod())
	return ready, nil
}

// shootConstraints are the constraint types Gardener always reports on a Shoot.
var shootConstraints = []gardencorev1beta1.ConditionType{
	gardencorev1beta1.ShootHibernationPossible,
	gardencorev1beta1.ShootMaintenancePreconditionsSatisfied,
}

// ShootConditionTypes returns the condition types Gardener always reports on a Shoot:
// EveryNodeReady only for a Shoot with workers.
func ShootConditionTypes(shoot *gardencorev1beta1.Shoot) []gardencorev1beta1.ConditionType {
	types := []gardencorev1beta1.ConditionType{
		gardencorev1beta1.ShootAPIServerAvailable,
		gardencorev1beta1.ShootControlPlaneHealthy,
		gardencorev1beta1.ShootObservabilityComponentsHealthy,
	}
	if len(shoot.Spec.Provider.Workers) > 0 {
		types = append(types, gardencorev1beta1.ShootEveryNodeReady)
	}
	return append(types, gardencorev1beta1.ShootSystemComponentsHealthy)
}

// markShootsUnknown marks the conditions and constraints of every Shoot of the seed
// Unknown.
func (r *Reconciler) markShootsUnknown(ctx context.Context, seedName string, now time.Time) error {
	shoots := &gardencorev1beta1.ShootList{}
	// The API server labels Shoots with name.seed.gardener.cloud/<seed> for spec.seedName
	// and status.seedName; the names are checked again below.
	if err := r.Client.List(ctx, shoots, client.MatchingLabels{v1beta1constants.LabelPrefixSeedName + seedName: "true"}); err != nil {
		return fmt.Errorf("listing the shoots of the seed: %w", err)
	}
	message := fmt.Sprintf("Gardenlet of seed %s stopped posting status updates.", seedName)
	var errs []error
	for i := range shoots.Items {
		shoot := &shoots.Items[i]
		if ptr.Deref(shoot.Spec.SeedName, "") != seedName && ptr.Deref(shoot.Status.SeedName, "") != seedName {
			continue
		}
		if err := r.markShootUnknown(ctx, shoot, message, now); err != nil {
			errs = append(errs, fmt.Errorf("shoot %s: %w", client.ObjectKeyFromObject(shoot), err))
		}
	}
	return errors.Join(errs...)
}

// markShootUnknown sets the always-reported conditions and constraints of shoot, and any
// others it has, to Unknown, unless they say so already.
func (r *Reconciler) markShootUnknown(ctx context.Context, shoot *gardencorev1beta1.Shoot, message string, now time.Time) error {
	conditions, conditionsChanged := setAllUnknown(shoot.Status.Conditions, ShootConditionTypes(shoot), message, now)
	constraints, constraintsChanged := setAllUnknown(shoot.Status.Constraints, shootConstraints, message, now)
	if !conditionsChanged && !constraintsChanged {
		return nil
	}
	patch := client.MergeFromWithOptions(shoot.DeepCopy(), client.MergeFromWithOptimisticLock{})
	shoot.Status.Conditions, shoot.Status.Constraints = conditions, constraints
	if err := r.Client.Status().Patch(ctx, shoot, patch); err != nil {
		return fmt.Errorf("setting the conditions and constraints to Unknown: %w", err)
	}
	logf.FromContext(ctx).Info("Set shoot conditions and constraints to Unknown", "shoot", client.ObjectKeyFromObject(shoot))
	return nil
}

// setAllUnknown sets the conditions of the types in always, added if missing, and every
// other condition in conditions to Unknown with reason ReasonShootStatusUnknown.
func setAllUnknown(conditions []gardencorev1beta1.Condition, always []gardencorev1beta1.ConditionType, message string, now time.Time) ([]gardencorev1beta1.Condition, bool) {
	types := append([]gardencorev1beta1.ConditionType{}, always...)
	for _, c := range conditions {
		if !containsType(types, c.Type) {
			types = append(types, c.Type)
		}
	}
	anyChanged := false
	for _, t := range types {
		var changed bool
		conditions, _, changed = SetCondition(conditions, t, gardencorev1beta1.ConditionUnknown, ReasonShootStatusUnknown, message, now)
		anyChanged = anyChanged || changed
	}
	return conditions, anyChanged
}

func containsType(types []gardencorev1beta1.ConditionType, t gardencorev1beta1.ConditionType) bool {
	for _, have := range types {
		if have == t {
			return true
		}
	}
	return false
}

// SetCondition returns a copy of conditions in which the condition of type t has status,
// reason and message, appended if missing, together with that condition and whether
// anything changed. As in Gardener, lastTransitionTime moves to now when the status
// changes, lastUpdateTime when the status, reason or message does; codes are cleared
// when it changes.
func SetCondition(conditions []gardencorev1beta1.Condition, t gardencorev1beta1.ConditionType, status gardencorev1beta1.ConditionStatus, reason, message string, now time.Time) ([]gardencorev1beta1.Condition, gardencorev1beta1.Condition, bool) {
	out := make([]gardencorev1beta1.Condition, 0, len(conditions)+1)
	out = append(out, conditions...)
	i := -1
	for j := range out {
		if out[j].Type == t {
			i = j
			break
		}
	}
	if i < 0 {
		out = append(out, gardencorev1beta1.Condition{Type: t})
		i = len(out) - 1
	}
	c := &out[i]
	if c.Status == status && c.Reason == reason && c.Message == message && !c.LastTransitionTime.IsZero() {
		return conditions, *c, false
	}
	stamp := metav1.NewTime(now)
	if c.Status != status || c.LastTransitionTime.IsZero() {
		c.LastTransitionTime = stamp
	}
	c.Status, c.Reason, c.Message, c.LastUpdateTime, c.Codes = status, reason, message, stamp, nil
	return out, *c, true
}
