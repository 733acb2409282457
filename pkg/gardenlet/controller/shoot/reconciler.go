package shoot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/pkg/flow"
	"github.com/hortus-dev/hortus/pkg/ports"
)

// Defaults of the Reconciler.
const (
	// DefaultSyncPeriod is how often a reconciled shoot is reconciled again.
	DefaultSyncPeriod = time.Hour
	// DefaultRetryDeadline is how long a failing operation is retried before its last
	// operation becomes Failed.
	DefaultRetryDeadline = 15 * time.Minute
	// annotationOperation is Gardener's operation annotation: reconcile or retry.
	annotationOperation = "gardener.cloud/operation"
)

// Events the controller records on Shoots.
const (
	EventReconciling     = "Reconciling"
	EventReconciled      = "Reconciled"
	EventReconcileError  = "ReconcileError"
	EventReconcileFailed = "ReconcileFailed"
	EventHibernating     = "Hibernating"
	EventHibernated      = "Hibernated"
	EventDeleting        = "Deleting"
	EventDeleted         = "Deleted"
	EventDeleteError     = "DeleteError"
)

// Reconciler runs the operations of the shoots whose spec.seedName is SeedName as flows:
// create and reconcile (which also wakes a hibernated shoot), hibernate and delete. It
// writes status.lastOperation (type, state, progress, the running tasks),
// status.lastErrors (the failed tasks), status.technicalID, status.gardener,
// status.observedGeneration, status.isHibernated and status.advertisedAddresses.
//
// A shoot is reconciled when its generation changed, when its last operation is not
// Succeeded (an Error is retried with back-off until RetryDeadline, then it is Failed),
// when it carries gardener.cloud/operation=reconcile or retry, when its hibernation
// differs from spec.hibernation.enabled, and every SyncPeriod.
type Reconciler struct {
	// GardenClient reads Shoots (the manager's cache holds only the seed's) and writes
	// their status and the CA objects in the garden.
	GardenClient client.Client
	// SeedClient writes the shoot's namespace, Secrets and Cluster in the seed.
	SeedClient client.Client
	// Recorder records Events on Shoots.
	Recorder events.EventRecorder
	// SeedName is the gardenlet's seed.
	SeedName string
	// Identity is reported in status.gardener.
	Identity gardencorev1beta1.Gardener
	// Executors run the control planes.
	Executors *Executors
	// SeedKubeconfig reaches the seed; the machine-controller-managers of shoots with
	// workers use it for their MachineDeployments.
	SeedKubeconfig []byte
	// Ports reserves the control planes' ports; the owner is the technical ID.
	Ports *ports.Allocator
	// Metrics records operation and task durations; optional.
	Metrics *Metrics
	Clock   clock.Clock
	// SyncPeriod, RetryDeadline and ConcurrentSyncs default to DefaultSyncPeriod,
	// DefaultRetryDeadline and 5.
	SyncPeriod      time.Duration
	RetryDeadline   time.Duration
	ConcurrentSyncs int
	// TaskTimeout bounds each task of a flow, with its retries; default 5 minutes.
	TaskTimeout time.Duration
	// ProgressInterval is how often, at most, a flow writes its progress into the shoot's
	// status; default DefaultProgressInterval.
	ProgressInterval time.Duration

	mu sync.Mutex
	// failing remembers, per shoot UID, when its current run of failures started and how
	// many there were, for the retry back-off and deadline.
	failing map[types.UID]failures
}

type failures struct {
	since time.Time
	count int
}

// Reconcile runs the operation that the shoot needs, if any.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	shoot := &gardencorev1beta1.Shoot{}
	if err := r.GardenClient.Get(ctx, req.NamespacedName, shoot); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if ptr.Deref(shoot.Spec.SeedName, "") != r.SeedName {
		return reconcile.Result{}, nil
	}
	if shoot.DeletionTimestamp != nil {
		if !controllerutil.ContainsFinalizer(shoot, Finalizer) {
			return reconcile.Result{}, nil
		}
		return r.delete(ctx, shoot)
	}
	if r.handleEtcdOperation(ctx, shoot) {
		return reconcile.Result{}, nil
	}
	if etcdOperation(shoot) == EtcdOperationSnapshot {
		// The snapshot failed, for example while the control plane is still coming up:
		// reconcile as usual, and ask again soon.
		result, err := r.reconcileIfDue(ctx, shoot)
		if err == nil && (result.RequeueAfter == 0 || result.RequeueAfter > etcdOperationRetry) {
			result.RequeueAfter = etcdOperationRetry
		}
		return result, err
	}
	return r.reconcileIfDue(ctx, shoot)
}

// reconcileIfDue runs the reconcile or hibernate flow if the shoot needs it now, and
// otherwise asks to be called again when it will.
func (r *Reconciler) reconcileIfDue(ctx context.Context, shoot *gardencorev1beta1.Shoot) (reconcile.Result, error) {
	due, wait := r.due(shoot)
	if !due && r.controlPlaneStopped(ctx, shoot) {
		// For example after the seed's processes were stopped (hortus down, a reboot):
		// bring the control plane back without waiting for the sync period.
		logf.FromContext(ctx).Info("Control plane is not running, reconciling")
		due = true
	}
	if !due {
		return reconcile.Result{RequeueAfter: wait}, nil
	}
	if op := shoot.Status.LastOperation; op != nil && op.State == gardencorev1beta1.LastOperationStateFailed {
		// A retry or a spec change starts a new run of attempts, with a new deadline.
		r.clearFailures(shoot.UID)
	}
	requested := shoot.Annotations[annotationOperation] == "reconcile" || shoot.Annotations[annotationOperation] == "retry"
	if !controllerutil.ContainsFinalizer(shoot, Finalizer) || requested {
		patch := client.MergeFrom(shoot.DeepCopy())
		controllerutil.AddFinalizer(shoot, Finalizer)
		if requested {
			// Other values (rotations, …) are not ours to consume.
			delete(shoot.Annotations, annotationOperation)
		}
		if err := r.GardenClient.Patch(ctx, shoot, patch); err != nil {
			return reconcile.Result{}, fmt.Errorf("adding the finalizer: %w", err)
		}
	}
	return r.reconcile(ctx, shoot)
}

// wantHibernated tells whether the spec asks for hibernation.
func wantHibernated(shoot *gardencorev1beta1.Shoot) bool {
	return shoot.Spec.Hibernation != nil && ptr.Deref(shoot.Spec.Hibernation.Enabled, false)
}

// due tells whether the shoot needs an operation now, or else how long until it does.
func (r *Reconciler) due(shoot *gardencorev1beta1.Shoot) (bool, time.Duration) {
	switch shoot.Annotations[annotationOperation] {
	case "reconcile", "retry":
		return true, 0
	}
	if restoreRequested(shoot) {
		return true, 0
	}
	op := shoot.Status.LastOperation
	if op == nil || shoot.Status.ObservedGeneration != shoot.Generation || shoot.Status.IsHibernated != wantHibernated(shoot) {
		return true, 0
	}
	switch op.State {
	case gardencorev1beta1.LastOperationStateSucceeded:
		next := op.LastUpdateTime.Add(r.SyncPeriod)
		if wait := next.Sub(r.Clock.Now()); wait > 0 {
			return false, wait
		}
		return true, 0
	case gardencorev1beta1.LastOperationStateFailed:
		// Given up: a spec change or the retry annotation starts again.
		return false, r.SyncPeriod
	case gardencorev1beta1.LastOperationStateError:
		r.mu.Lock()
		f := r.failing[shoot.UID]
		r.mu.Unlock()
		next := op.LastUpdateTime.Add(backoff(f.count))
		if wait := next.Sub(r.Clock.Now()); wait > 0 {
			return false, wait
		}
		return true, 0
	default:
		// Processing: a gardenlet that stopped in the middle; resume.
		return true, 0
	}
}

// controlPlaneStopped tells whether an awake, reconciled shoot has a control-plane
// component without a running process.
func (r *Reconciler) controlPlaneStopped(ctx context.Context, shoot *gardencorev1beta1.Shoot) bool {
	op := shoot.Status.LastOperation
	if shoot.Status.IsHibernated || wantHibernated(shoot) || shoot.Status.TechnicalID == "" || op == nil || op.State != gardencorev1beta1.LastOperationStateSucceeded {
		return false
	}
	ex, err := r.Executors.For(shoot.Status.TechnicalID)
	if err != nil {
		return false
	}
	for _, name := range Components {
		if stateOf(ctx, ex, name) != processRunning {
			return true
		}
	}
	// The etcd backup sidecar, where the shoot has one.
	return stateOf(ctx, ex, EtcdBackup) == processStopped
}

// backoff is the wait before retrying after n consecutive failures: 5s, 10s, 20s, … 5m.
func backoff(n int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < n && d < 5*time.Minute; i++ {
		d *= 2
	}
	return min(d, 5*time.Minute)
}

// reconcile runs the reconcile or hibernate flow.
func (r *Reconciler) reconcile(ctx context.Context, shoot *gardencorev1beta1.Shoot) (reconcile.Result, error) {
	log := logf.FromContext(ctx)
	opType := gardencorev1beta1.LastOperationTypeReconcile
	if op := shoot.Status.LastOperation; op == nil || (op.Type == gardencorev1beta1.LastOperationTypeCreate && op.State != gardencorev1beta1.LastOperationStateSucceeded) {
		opType = gardencorev1beta1.LastOperationTypeCreate
	}
	hibernate := wantHibernated(shoot)
	o, err := r.newOperation(ctx, shoot)
	if err != nil {
		return reconcile.Result{}, err
	}
	reason, verb := EventReconciling, "Reconciling"
	if hibernate {
		reason, verb = EventHibernating, "Hibernating"
	}
	r.Recorder.Eventf(shoot, nil, corev1.EventTypeNormal, reason, verb, "%s the shoot's control plane (%s)", verb, opType)
	if err := o.status.start(ctx, opType, o.technicalID, verb+" the shoot's control plane"); err != nil {
		return reconcile.Result{}, err
	}
	var g *flow.Graph
	if hibernate {
		g = o.hibernateGraph()
	} else {
		o.knowBackupLocation(ctx)
		g = o.reconcileGraph()
	}
	start := r.Clock.Now()
	err = o.run(ctx, g)
	r.Metrics.observeOperation(string(opType), start, r.Clock.Now(), err)
	if err != nil {
		return r.failed(ctx, o, err)
	}
	r.clearFailures(shoot.UID)
	desc := "Shoot cluster has been successfully reconciled."
	if hibernate {
		desc = "Shoot cluster has been successfully hibernated."
	}
	if err := o.status.succeed(ctx, desc, func(s *gardencorev1beta1.ShootStatus) {
		s.IsHibernated = hibernate
		if !hibernate {
			s.AdvertisedAddresses = o.advertisedAddresses()
		}
	}); err != nil {
		return reconcile.Result{}, err
	}
	reason = EventReconciled
	if hibernate {
		reason = EventHibernated
	}
	r.Recorder.Eventf(shoot, nil, corev1.EventTypeNormal, reason, verb, "%s", desc)
	log.Info("Operation succeeded", "type", opType, "hibernated", hibernate, "duration", r.Clock.Since(start))
	return reconcile.Result{RequeueAfter: r.SyncPeriod}, nil
}

// failed records a failed flow: Error with back-off, or Failed after the retry deadline.
func (r *Reconciler) failed(ctx context.Context, o *operation, err error) (reconcile.Result, error) {
	if ctx.Err() != nil {
		// The gardenlet is stopping: the next one resumes (lastOperation stays Processing).
		return reconcile.Result{}, ctx.Err()
	}
	f := r.recordFailure(o.shoot.UID)
	state := gardencorev1beta1.LastOperationStateError
	reason := EventReconcileError
	if r.Clock.Since(f.since) >= r.RetryDeadline {
		state, reason = gardencorev1beta1.LastOperationStateFailed, EventReconcileFailed
	}
	failures := flowFailures(err)
	if werr := o.status.fail(ctx, state, failures); werr != nil {
		return reconcile.Result{}, errors.Join(err, werr)
	}
	r.Recorder.Eventf(o.shoot, nil, corev1.EventTypeWarning, reason, "Reconcile", "%s", failures[0].message())
	logf.FromContext(ctx).Error(err, "Operation failed", "state", state, "failures", f.count)
	if state == gardencorev1beta1.LastOperationStateFailed {
		return reconcile.Result{}, nil
	}
	return reconcile.Result{RequeueAfter: backoff(f.count)}, nil
}

// flowFailures lists the failed tasks of a flow error.
func flowFailures(err error) []taskFailure {
	var out []taskFailure
	var ferr *flow.Error
	if errors.As(err, &ferr) {
		for _, t := range ferr.Tasks {
			out = append(out, taskFailure{task: t.Task, err: t.Err})
		}
	}
	if len(out) == 0 {
		out = append(out, taskFailure{err: err})
	}
	return out
}

func (r *Reconciler) recordFailure(uid types.UID) failures {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failing == nil {
		r.failing = map[types.UID]failures{}
	}
	f := r.failing[uid]
	if f.count == 0 {
		f.since = r.Clock.Now()
	}
	f.count++
	r.failing[uid] = f
	return f
}

func (r *Reconciler) clearFailures(uid types.UID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.failing, uid)
}

// delete runs the delete flow and then removes the finalizer.
func (r *Reconciler) delete(ctx context.Context, shoot *gardencorev1beta1.Shoot) (reconcile.Result, error) {
	o, err := r.newOperation(ctx, shoot)
	if err != nil {
		return reconcile.Result{}, err
	}
	if op := shoot.Status.LastOperation; op == nil || op.Type != gardencorev1beta1.LastOperationTypeDelete || op.State != gardencorev1beta1.LastOperationStateProcessing {
		r.Recorder.Eventf(shoot, nil, corev1.EventTypeNormal, EventDeleting, "Delete", "Deleting the shoot's control plane")
		if err := o.status.start(ctx, gardencorev1beta1.LastOperationTypeDelete, o.technicalID, "Deleting the shoot's control plane"); err != nil {
			return reconcile.Result{}, err
		}
	}
	// etcd is described as it runs, with its backup location, so that the deletion does
	// not restart it.
	o.knowBackupLocation(ctx)
	start := r.Clock.Now()
	err = o.run(ctx, o.deleteGraph())
	r.Metrics.observeOperation(string(gardencorev1beta1.LastOperationTypeDelete), start, r.Clock.Now(), err)
	if err != nil {
		if ctx.Err() != nil {
			return reconcile.Result{}, ctx.Err()
		}
		f := r.recordFailure(shoot.UID)
		failures := flowFailures(err)
		if werr := o.status.fail(ctx, gardencorev1beta1.LastOperationStateError, failures); werr != nil && !apierrors.IsNotFound(werr) {
			return reconcile.Result{}, errors.Join(err, werr)
		}
		r.Recorder.Eventf(shoot, nil, corev1.EventTypeWarning, EventDeleteError, "Delete", "%s", failures[0].message())
		return reconcile.Result{RequeueAfter: backoff(f.count)}, nil
	}
	r.clearFailures(shoot.UID)
	r.Recorder.Eventf(shoot, nil, corev1.EventTypeNormal, EventDeleted, "Delete", "Deleted the shoot's control plane")
	patch := client.MergeFrom(shoot.DeepCopy())
	controllerutil.RemoveFinalizer(shoot, Finalizer)
	if err := r.GardenClient.Patch(ctx, shoot, patch); client.IgnoreNotFound(err) != nil {
		return reconcile.Result{}, fmt.Errorf("removing the finalizer: %w", err)
	}
	return reconcile.Result{}, nil
}
