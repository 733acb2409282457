package shootmaintenance

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	controllermanagerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/controllermanager/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
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

// EventInvalidTimeWindow is the reason of the event recorded when a Shoot's maintenance
// time window cannot be parsed.
const EventInvalidTimeWindow = "InvalidMaintenanceTimeWindow"

// defaultArchitecture is the machine architecture of a worker pool that names none.
const defaultArchitecture = "amd64"

// Reconciler maintains Shoots once per maintenance time window
// (spec.maintenance.timeWindow), or at once when they carry the annotation
// gardener.cloud/operation=maintain (which it removes):
//   - the Kubernetes version moves to the newest patch of its minor when
//     spec.maintenance.autoUpdate.kubernetesVersion is set; an expired version moves in any
//     case, to the next minor if its own has no newer patch;
//   - the machine image version of each worker pool moves to the newest version of the
//     image when spec.maintenance.autoUpdate.machineImageVersion is set; an expired one
//     moves in any case;
//   - the annotation gardener.cloud/operation=reconcile asks for a reconciliation;
//   - status.lastMaintenance records what was done, when, and whether an expired version
//     could not be updated (state Failed, with the reason).
//
// Versions come from the Shoot's CloudProfile or NamespacedCloudProfile; preview, expired
// and unavailable versions are never chosen. A window counts as maintained once
// status.lastMaintenance.triggeredTime lies in it. Shoots being deleted are left alone.
type Reconciler struct {
	// Client reads Shoots and cloud profiles (from the manager's cache) and writes Shoots.
	// Defaults to the manager's client.
	Client client.Client
	// APIReader reads a Shoot that is due for maintenance without the cache, so that it is
	// not maintained twice in a window. Defaults to the manager's API reader.
	APIReader client.Reader
	// Config is the controller's section of the controller manager configuration. The
	// control plane and core addon restarters it can enable do not exist in Hortus.
	Config controllermanagerconfigv1alpha1.ShootMaintenanceControllerConfiguration
	// Clock tells the time. Defaults to the real clock.
	Clock clock.PassiveClock
	// Recorder records events on Shoots. Defaults to the manager's recorder for
	// ControllerName.
	Recorder events.EventRecorder
}

// Reconcile maintains the Shoot named by req if it is due, and asks to be called again
// when its next maintenance time window begins.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	log := logf.FromContext(ctx)
	shoot := &gardencorev1beta1.Shoot{}
	if err := r.Client.Get(ctx, req.NamespacedName, shoot); err != nil {
		if apierrors.IsNotFound(err) {
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, fmt.Errorf("reading the shoot: %w", err)
	}
	now := r.Clock.Now()
	due, requeue, err := r.due(shoot, now)
	if err != nil || !due {
		if err == nil {
			log.V(1).Info("Waiting for the maintenance time window", "requeueAfter", requeue.RequeueAfter)
		}
		return requeue, err
	}
	// The cache may not show the last maintenance yet: make sure with the API server.
	if err := r.APIReader.Get(ctx, req.NamespacedName, shoot); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(fmt.Errorf("reading the shoot: %w", err))
	}
	if due, requeue, err = r.due(shoot, now); err != nil || !due {
		return requeue, err
	}
	if err := r.maintain(ctx, shoot, now); err != nil {
		return reconcile.Result{}, err
	}
	return requeue, nil
}

// due tells whether shoot must be maintained at now: it is not being deleted, and it
// carries the maintain operation or is in a maintenance time window it has not been
// maintained in yet. The result waits for the next window.
func (r *Reconciler) due(shoot *gardencorev1beta1.Shoot, now time.Time) (bool, reconcile.Result, error) {
	if shoot.DeletionTimestamp != nil {
		return false, reconcile.Result{}, nil
	}
	var (
		requeue   reconcile.Result
		requested = slices.Contains(operations(shoot), v1beta1constants.ShootOperationMaintain)
	)
	m := shoot.Spec.Maintenance
	if m == nil || m.TimeWindow == nil {
		return requested, requeue, nil
	}
	window, err := ParseTimeWindow(m.TimeWindow.Begin, m.TimeWindow.End)
	if err != nil {
		r.Recorder.Eventf(shoot, nil, corev1.EventTypeWarning, EventInvalidTimeWindow, gardencorev1beta1.EventActionReconcile, "Invalid maintenance time window: %s", err.Error())
		if requested {
			return true, requeue, nil
		}
		return false, requeue, reconcile.TerminalError(fmt.Errorf("parsing the maintenance time window: %w", err))
	}
	begin, end, inside := window.Current(now)
	if !inside {
		requeue.RequeueAfter = begin.Sub(now)
		return requested, requeue, nil
	}
	requeue.RequeueAfter = begin.Add(day).Sub(now)
	return requested || !maintainedIn(shoot, begin, end), requeue, nil
}

// maintainedIn tells whether the Shoot was maintained in the window [begin, end).
func maintainedIn(shoot *gardencorev1beta1.Shoot, begin, end time.Time) bool {
	last := shoot.Status.LastMaintenance
	return last != nil && !last.TriggeredTime.Time.Before(begin) && last.TriggeredTime.Time.Before(end)
}

// operations returns the operations of the gardener.cloud/operation annotation.
func operations(shoot *gardencorev1beta1.Shoot) []string {
	var out []string
	for _, op := range strings.Split(shoot.Annotations[v1beta1constants.GardenerOperation], v1beta1constants.GardenerOperationsSeparator) {
		if op = strings.TrimSpace(op); op != "" {
			out = append(out, op)
		}
	}
	return out
}

// maintain updates the versions of the Shoot, replaces maintain by reconcile in its
// operation annotation, and records the maintenance in its status.
func (r *Reconciler) maintain(ctx context.Context, shoot *gardencorev1beta1.Shoot, now time.Time) error {
	log := logf.FromContext(ctx)
	profile, err := r.cloudProfile(ctx, shoot)
	if err != nil {
		return err
	}
	result, err := Maintain(shoot, profile, now)
	if err != nil {
		// An unparsable version is an invalid spec: retrying does not help.
		return reconcile.TerminalError(err)
	}

	patch := client.MergeFromWithOptions(shoot.DeepCopy(), client.MergeFromWithOptimisticLock{})
	result.Apply(shoot)
	ops := slices.DeleteFunc(operations(shoot), func(op string) bool {
		return op == v1beta1constants.ShootOperationMaintain || op == v1beta1constants.GardenerOperationReconcile
	})
	ops = append(ops, v1beta1constants.GardenerOperationReconcile)
	metav1.SetMetaDataAnnotation(&shoot.ObjectMeta, v1beta1constants.GardenerOperation, strings.Join(ops, v1beta1constants.GardenerOperationsSeparator))
	if err := r.Client.Patch(ctx, shoot, patch); err != nil {
		return fmt.Errorf("updating the shoot for maintenance: %w", err)
	}

	statusPatch := client.MergeFrom(shoot.DeepCopy())
	shoot.Status.LastMaintenance = result.LastMaintenance(now)
	if err := r.Client.Status().Patch(ctx, shoot, statusPatch); err != nil {
		return fmt.Errorf("recording the maintenance: %w", err)
	}

	log.Info("Maintained shoot", "description", shoot.Status.LastMaintenance.Description, "state", shoot.Status.LastMaintenance.State)
	if result.Kubernetes.To != "" || result.Kubernetes.Failed {
		r.event(shoot, gardencorev1beta1.ShootEventK8sVersionMaintenance, result.Kubernetes)
	}
	for _, u := range result.MachineImages {
		if u.To != "" || u.Failed {
			r.event(shoot, gardencorev1beta1.ShootEventImageVersionMaintenance, u.Update)
		}
	}
	return nil
}

func (r *Reconciler) event(shoot *gardencorev1beta1.Shoot, reason string, u Update) {
	eventType := corev1.EventTypeNormal
	if u.Failed {
		eventType = corev1.EventTypeWarning
	}
	r.Recorder.Eventf(shoot, nil, eventType, reason, gardencorev1beta1.EventActionReconcile, "%s", u.Reason)
}

// cloudProfile returns the spec of the Shoot's CloudProfile, or of its
// NamespacedCloudProfile (as computed in its status).
func (r *Reconciler) cloudProfile(ctx context.Context, shoot *gardencorev1beta1.Shoot) (*gardencorev1beta1.CloudProfileSpec, error) {
	kind, name := "CloudProfile", ptr.Deref(shoot.Spec.CloudProfileName, "")
	if ref := shoot.Spec.CloudProfile; ref != nil {
		kind, name = ref.Kind, ref.Name
	}
	switch {
	case name == "":
		return nil, reconcile.TerminalError(fmt.Errorf("the shoot references no cloud profile"))
	case kind == "NamespacedCloudProfile":
		p := &gardencorev1beta1.NamespacedCloudProfile{}
		if err := r.Client.Get(ctx, client.ObjectKey{Namespace: shoot.Namespace, Name: name}, p); err != nil {
			return nil, fmt.Errorf("reading the namespaced cloud profile %s: %w", name, err)
		}
		return &p.Status.CloudProfileSpec, nil
	default:
		p := &gardencorev1beta1.CloudProfile{}
		if err := r.Client.Get(ctx, client.ObjectKey{Name: name}, p); err != nil {
			return nil, fmt.Errorf("reading the cloud profile %s: %w", name, err)
		}
		return &p.Spec, nil
	}
}

// ImageUpdate is the outcome of maintaining the machine image of one worker pool.
type ImageUpdate struct {
	// Worker is the name of the worker pool.
	Worker string
	Update
}

// Result is the outcome of maintaining a Shoot.
type Result struct {
	Kubernetes    Update
	MachineImages []ImageUpdate
}

// Maintain decides the version updates of shoot at now, given its cloud profile.
func Maintain(shoot *gardencorev1beta1.Shoot, profile *gardencorev1beta1.CloudProfileSpec, now time.Time) (Result, error) {
	var (
		autoK8s, autoImages bool
		result              Result
	)
	if m := shoot.Spec.Maintenance; m != nil && m.AutoUpdate != nil {
		autoK8s = m.AutoUpdate.KubernetesVersion
		autoImages = ptr.Deref(m.AutoUpdate.MachineImageVersion, false)
	}
	var err error
	if result.Kubernetes, err = KubernetesVersion(shoot.Spec.Kubernetes.Version, autoK8s, profile.Kubernetes.Versions, now); err != nil {
		return Result{}, err
	}
	for _, w := range shoot.Spec.Provider.Workers {
		image := w.Machine.Image
		if image == nil || image.Version == nil {
			continue
		}
		i := slices.IndexFunc(profile.MachineImages, func(m gardencorev1beta1.MachineImage) bool { return m.Name == image.Name })
		if i < 0 {
			continue
		}
		u, err := MachineImageVersion(profile.MachineImages[i], *image.Version, ptr.Deref(w.Machine.Architecture, defaultArchitecture), autoImages, now)
		if err != nil {
			return Result{}, fmt.Errorf("worker pool %s: %w", w.Name, err)
		}
		result.MachineImages = append(result.MachineImages, ImageUpdate{Worker: w.Name, Update: u})
	}
	return result, nil
}

// Apply writes the updated versions into shoot's spec.
func (r Result) Apply(shoot *gardencorev1beta1.Shoot) {
	if r.Kubernetes.To != "" {
		shoot.Spec.Kubernetes.Version = r.Kubernetes.To
	}
	for _, u := range r.MachineImages {
		if u.To == "" {
			continue
		}
		for i := range shoot.Spec.Provider.Workers {
			if w := &shoot.Spec.Provider.Workers[i]; w.Name == u.Worker && w.Machine.Image != nil {
				w.Machine.Image.Version = ptr.To(u.To)
			}
		}
	}
}

// LastMaintenance describes the maintenance for status.lastMaintenance: Succeeded with
// the updates made, or Failed with the versions that expired and could not be updated.
func (r Result) LastMaintenance(now time.Time) *gardencorev1beta1.LastMaintenance {
	var done, failed []string
	collect := func(prefix string, u Update) {
		switch {
		case u.Failed:
			failed = append(failed, prefix+u.Reason)
		case u.To != "":
			done = append(done, prefix+u.Reason)
		}
	}
	collect("", r.Kubernetes)
	for _, u := range r.MachineImages {
		collect("Worker pool "+u.Worker+": ", u.Update)
	}
	last := &gardencorev1beta1.LastMaintenance{
		Description:   "No versions to update",
		TriggeredTime: metav1.Time{Time: now},
		State:         gardencorev1beta1.LastOperationStateSucceeded,
	}
	if len(done) > 0 {
		last.Description = strings.Join(done, "; ")
	}
	if len(failed) > 0 {
		last.State = gardencorev1beta1.LastOperationStateFailed
		last.FailureReason = ptr.To(strings.Join(failed, "; "))
	}
	return last
}
