package shoothibernation

import (
	"context"
	"fmt"

	controllermanagerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/controllermanager/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
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
	// EventHibernating is recorded when a schedule's start sets spec.hibernation.enabled.
	EventHibernating = "Hibernating"
	// EventWakingUp is recorded when a schedule's end clears spec.hibernation.enabled.
	EventWakingUp = "WakingUp"
	// EventInvalidSchedule is recorded when the schedules cannot be parsed.
	EventInvalidSchedule = "InvalidHibernationSchedule"
)

// Reconciler applies the hibernation schedules of Shoots: at a schedule's Start it sets
// spec.hibernation.enabled to true, at its End to false.
//
// The last event applied is recorded in status.lastHibernationTriggerTime (the field
// Gardener's controller keeps), as the time of the event itself. On every reconciliation
// the controller takes the most recent event at or before now across all schedules; it
// applies it only if it is newer than the recorded one. So:
//   - a change the user makes to spec.hibernation.enabled between two events stays until
//     the next event;
//   - an event missed while the controller was down is applied when it comes back, as long
//     as no later event has happened since (then that one is applied instead): the shoot
//     ends up in the state its schedules say it should be in now.
//
// Shoots being deleted are left alone.
type Reconciler struct {
	// Client reads Shoots (from the manager's cache) and writes them. Defaults to the
	// manager's client.
	Client client.Client
	// Config is the controller's section of the controller manager configuration. Its
	// TriggerDeadlineDuration is not used: a missed event is caught up however late.
	Config controllermanagerconfigv1alpha1.ShootHibernationControllerConfiguration
	// Clock tells the time. Defaults to the real clock.
	Clock clock.PassiveClock
	// Recorder records events on Shoots. Defaults to the manager's recorder for
	// ControllerName.
	Recorder events.EventRecorder
}

// Reconcile applies the hibernation schedules of the Shoot named by req and asks to be
// called again at the next event.
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
		log.V(1).Info("Shoot is being deleted")
		return reconcile.Result{}, nil
	}
	if shoot.Spec.Hibernation == nil || len(shoot.Spec.Hibernation.Schedules) == 0 {
		return reconcile.Result{}, nil
	}
	schedules, err := ParseSchedules(shoot.Spec.Hibernation.Schedules)
	if err != nil {
		r.Recorder.Eventf(shoot, nil, corev1.EventTypeWarning, EventInvalidSchedule, gardencorev1beta1.EventActionReconcile, "%s", err.Error())
		return reconcile.Result{}, reconcile.TerminalError(fmt.Errorf("parsing the hibernation schedules: %w", err))
	}

	now := r.Clock.Now()
	if last, ok := LastEvent(schedules, now); ok && isNew(shoot, last) {
		if err := r.apply(ctx, shoot, last); err != nil {
			return reconcile.Result{}, err
		}
	}

	next, ok := NextEvent(schedules, now)
	if !ok {
		return reconcile.Result{}, nil
	}
	log.V(1).Info("Waiting for the next hibernation event", "event", next.Describe())
	return reconcile.Result{RequeueAfter: next.Time.Sub(now)}, nil
}

// isNew tells whether event happened after the last event the controller applied.
func isNew(shoot *gardencorev1beta1.Shoot, event Event) bool {
	last := shoot.Status.LastHibernationTriggerTime
	return last == nil || event.Time.After(last.Time)
}

// apply sets spec.hibernation.enabled as event says, if it does not already, then
// records the event in status.lastHibernationTriggerTime. The spec goes first: if the
// status cannot be written, the next reconciliation finds the spec right and only
// writes the status.
func (r *Reconciler) apply(ctx context.Context, shoot *gardencorev1beta1.Shoot, event Event) error {
	log := logf.FromContext(ctx)
	if ptr.Deref(shoot.Spec.Hibernation.Enabled, false) != event.Hibernate {
		patch := client.MergeFromWithOptions(shoot.DeepCopy(), client.MergeFromWithOptimisticLock{})
		shoot.Spec.Hibernation.Enabled = ptr.To(event.Hibernate)
		if err := r.Client.Patch(ctx, shoot, patch); err != nil {
			return fmt.Errorf("setting spec.hibernation.enabled to %t: %w", event.Hibernate, err)
		}
		reason, verb := EventWakingUp, "Waking up"
		if event.Hibernate {
			reason, verb = EventHibernating, "Hibernating"
		}
		log.Info("Applied hibernation schedule", "hibernate", event.Hibernate, "event", event.Describe())
		r.Recorder.Eventf(shoot, nil, corev1.EventTypeNormal, reason, gardencorev1beta1.EventActionReconcile, "%s the cluster for %s", verb, event.Describe())
	}
	patch := client.MergeFrom(shoot.DeepCopy())
	shoot.Status.LastHibernationTriggerTime = &metav1.Time{Time: event.Time}
	if err := r.Client.Status().Patch(ctx, shoot, patch); err != nil {
		return fmt.Errorf("recording the hibernation trigger time: %w", err)
	}
	return nil
}
