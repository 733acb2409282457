package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	schedulerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/scheduler/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"

	"github.com/hortus-dev/hortus/pkg/scheduler/decision"
)

const (
	// ControllerName names the controller, its logger and its events' reporter.
	ControllerName = "shoot-scheduler"

	// defaultConcurrentSyncs is the number of workers when the configuration sets none.
	defaultConcurrentSyncs = 5
	// retryBaseDelay and retryMaxDelay bound the per-shoot exponential backoff after a
	// failed attempt, such as when no seed fits.
	retryBaseDelay = time.Second
	retryMaxDelay  = time.Minute
	// reconciliationTimeout bounds a single attempt.
	reconciliationTimeout = time.Minute
	// eventNoteLimit is the longest note the API server accepts on an event.
	eventNoteLimit = 1024
)

// Binder writes a scheduling decision to the garden.
type Binder interface {
	// Bind assigns shoot to the seed named seedName.
	Bind(ctx context.Context, shoot *gardencorev1beta1.Shoot, seedName string) error
}

// SubResourceBinder binds a shoot through its binding subresource, as Gardener's scheduler
// does: it sends the shoot with spec.seedName set as the body of an update of
// shoots/binding.
type SubResourceBinder struct {
	Client client.SubResourceClientConstructor
}

// Bind implements Binder. It does not change shoot.
func (b SubResourceBinder) Bind(ctx context.Context, shoot *gardencorev1beta1.Shoot, seedName string) error {
	shoot = shoot.DeepCopy()
	shoot.Spec.SeedName = ptr.To(seedName)
	return b.Client.SubResource("binding").Update(ctx, shoot)
}

// ShootScheduler assigns every shoot without spec.seedName to a seed. For each such shoot it
// reads the seeds, the shoots already scheduled, the shoot's CloudProfile or
// NamespacedCloudProfile and, for the MinimalDistance strategy, Gardener's region ConfigMaps;
// lets package decision choose; binds the shoot; and records an event. When no seed fits, it
// records a warning event naming every seed's reason, sets status.lastOperation to a pending
// Create with the same description, and retries with backoff.
type ShootScheduler struct {
	// Client reads Shoots, Seeds, CloudProfiles, NamespacedCloudProfiles and ConfigMaps,
	// normally from the manager's cache, and patches Shoot status. AddToManager sets it to
	// the manager's client if nil.
	Client client.Client
	// Counter counts the shoots on each seed. AddToManager sets it to an IndexCounter on the
	// manager's Shoot informer if nil; without AddToManager, nil lists shoots through Client.
	Counter ShootCounter
	// Binder writes decisions. AddToManager sets it to a SubResourceBinder on Client if nil.
	Binder Binder
	// Recorder records the outcome as events on the shoot. AddToManager sets it to the
	// manager's recorder if nil.
	Recorder events.EventRecorder
	// Config holds the strategy and the number of workers. Nil means the defaults:
	// SameRegion with five workers.
	Config *schedulerconfigv1alpha1.ShootSchedulerConfiguration
	// Clock stamps status.lastOperation. AddToManager sets it to the real clock if nil.
	Clock clock.PassiveClock
	// RegionConfigNamespace holds the region ConfigMaps of the MinimalDistance strategy.
	// Empty means Gardener's "garden".
	RegionConfigNamespace string
}

// AddToManager fills unset dependencies from mgr and registers the reconciler with it. It
// watches Shoots that need scheduling: no spec.seedName, not being deleted, the default
// scheduler's, and not self-hosted. Updates only count when the spec changed, so that the
// scheduler's own status writes do not bypass the backoff.
//
// The manager's cache lists ConfigMaps for the MinimalDistance strategy; restrict it to the
// region ConfigMaps, as scheduler.ManagerOptions does, to avoid caching every ConfigMap of
// the garden.
func (r *ShootScheduler) AddToManager(mgr manager.Manager) error {
	if r.Client == nil {
		r.Client = mgr.GetClient()
	}
	if r.Binder == nil {
		r.Binder = SubResourceBinder{Client: r.Client}
	}
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorder(ControllerName)
	}
	if r.Counter == nil {
		counter, err := indexCounter(mgr.GetCache())
		if err != nil {
			return err
		}
		r.Counter = counter
	}
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	workers := defaultConcurrentSyncs
	if r.Config != nil && r.Config.ConcurrentSyncs > 0 {
		workers = r.Config.ConcurrentSyncs
	}

	return builder.ControllerManagedBy(mgr).
		Named(ControllerName).
		For(&gardencorev1beta1.Shoot{}, builder.WithPredicates(ShootNeedsSchedulingPredicate())).
		WithOptions(controller.Options{
			MaxConcurrentReconciles: workers,
			RateLimiter:             workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](retryBaseDelay, retryMaxDelay),
			ReconciliationTimeout:   reconciliationTimeout,
		}).
		Complete(r)
}

// indexCounter adds SeedNameIndex to the Shoot informer of c and returns an IndexCounter on
// it, or a ListCounter on c if the informer does not expose its indexer.
func indexCounter(c cache.Cache) (ShootCounter, error) {
	// Before the manager starts, getting an informer only registers it.
	informer, err := c.GetInformer(context.Background(), &gardencorev1beta1.Shoot{}, cache.BlockUntilSynced(false))
	if err != nil {
		return nil, fmt.Errorf("getting the shoot informer: %w", err)
	}
	if err := informer.AddIndexers(SeedNameIndexers()); err != nil {
		return nil, fmt.Errorf("indexing shoots by seed name: %w", err)
	}
	if i, ok := informer.(interface{ GetIndexer() toolscache.Indexer }); ok {
		return IndexCounter{Indexer: i.GetIndexer()}, nil
	}
	return ListCounter{Reader: c}, nil
}

// ShootNeedsSchedulingPredicate passes creations of shoots that need scheduling, and updates
// that change the spec of one. It ignores deletions.
func ShootNeedsSchedulingPredicate() predicate.Predicate {
	needs := func(obj client.Object) bool {
		shoot, ok := obj.(*gardencorev1beta1.Shoot)
		return ok && needsScheduling(shoot)
	}
	return predicate.Funcs{
		CreateFunc:  func(e event.CreateEvent) bool { return needs(e.Object) },
		GenericFunc: func(e event.GenericEvent) bool { return needs(e.Object) },
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			oldShoot, ok := e.ObjectOld.(*gardencorev1beta1.Shoot)
			if !ok || !needs(e.ObjectNew) {
				return false
			}
			return !apiequality.Semantic.DeepEqual(oldShoot.Spec, e.ObjectNew.(*gardencorev1beta1.Shoot).Spec)
		},
	}
}

// needsScheduling reports whether the scheduler is to assign shoot a seed: it has none, is
// not being deleted, names the default scheduler (or none), and is not self-hosted (a shoot
// with control-plane worker pools hosts its own control plane).
func needsScheduling(shoot *gardencorev1beta1.Shoot) bool {
	if shoot.Spec.SeedName != nil || shoot.DeletionTimestamp != nil {
		return false
	}
	if ptr.Deref(shoot.Spec.SchedulerName, v1beta1constants.DefaultSchedulerName) != v1beta1constants.DefaultSchedulerName {
		return false
	}
	for _, w := range shoot.Spec.Provider.Workers {
		if w.ControlPlane != nil {
			return false
		}
	}
	return true
}

// conflictRequeue is how soon a shoot whose binding met a newer version is scheduled again.
const conflictRequeue = 100 * time.Millisecond

// Reconcile schedules one shoot.
func (r *ShootScheduler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	log := logf.FromContext(ctx)

	shoot := &gardencorev1beta1.Shoot{}
	if err := r.Client.Get(ctx, req.NamespacedName, shoot); err != nil {
		if apierrors.IsNotFound(err) {
			log.V(1).Info("Shoot is gone")
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, fmt.Errorf("getting shoot: %w", err)
	}
	if !needsScheduling(shoot) {
		log.V(1).Info("Shoot needs no scheduling")
		return reconcile.Result{}, nil
	}

	res, err := r.decide(ctx, shoot)
	if err != nil {
		r.reportFailure(ctx, shoot, err)
		if errors.Is(err, decision.ErrInvalidShoot) || errors.Is(err, errNoCloudProfile) {
			return reconcile.Result{}, reconcile.TerminalError(err)
		}
		return reconcile.Result{}, err
	}

	if err := r.Binder.Bind(ctx, shoot, res.SeedName); err != nil {
		if apierrors.IsConflict(err) {
			// Others write a new shoot too (labels, status): decide again on its latest version.
			log.V(1).Info("The shoot changed while it was being bound, scheduling it again", "seed", res.SeedName)
			return reconcile.Result{RequeueAfter: conflictRequeue}, nil
		}
		err = fmt.Errorf("binding shoot to seed %s: %w", res.SeedName, err)
		r.reportFailure(ctx, shoot, err)
		return reconcile.Result{}, err
	}
	log.Info("Scheduled shoot", "seed", res.SeedName, "region", shoot.Spec.Region, "strategy", r.strategy(), "rejectedSeeds", len(res.Rejected))
	r.Recorder.Eventf(shoot, nil, corev1.EventTypeNormal, gardencorev1beta1.ShootEventSchedulingSuccessful,
		gardencorev1beta1.EventActionReconcile, "Scheduled to seed %q", res.SeedName)
	return reconcile.Result{}, nil
}

func (r *ShootScheduler) strategy() schedulerconfigv1alpha1.CandidateDeterminationStrategy {
	if r.Config == nil || r.Config.Strategy == "" {
		return schedulerconfigv1alpha1.Default
	}
	return r.Config.Strategy
}

// reportFailure records err as a warning event and as the pending status.lastOperation of the
// shoot. It logs, rather than returns, a failure to write the status: the caller returns err.
func (r *ShootScheduler) reportFailure(ctx context.Context, shoot *gardencorev1beta1.Shoot, err error) {
	description := "Failed to schedule shoot: " + err.Error()
	r.Recorder.Eventf(shoot, nil, corev1.EventTypeWarning, gardencorev1beta1.ShootEventSchedulingFailed,
		gardencorev1beta1.EventActionReconcile, "%s", truncate(description, eventNoteLimit))

	if op := shoot.Status.LastOperation; op != nil && op.Type == gardencorev1beta1.LastOperationTypeCreate &&
		op.State == gardencorev1beta1.LastOperationStatePending && op.Description == description {
		return
	}
	patch := client.MergeFrom(shoot.DeepCopy())
	op := ptr.Deref(shoot.Status.LastOperation, gardencorev1beta1.LastOperation{})
	op.Type = gardencorev1beta1.LastOperationTypeCreate
	op.State = gardencorev1beta1.LastOperationStatePending
	op.Description = description
	op.LastUpdateTime.Time = r.Clock.Now()
	shoot.Status.LastOperation = &op
	if err := r.Client.Status().Patch(ctx, shoot, patch); err != nil {
		logf.FromContext(ctx).Error(err, "Failed to report the scheduling failure in the shoot's status")
	}
}

// truncate cuts s to at most limit bytes, on a rune boundary, marking the cut with "…".
func truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	const ellipsis = "…"
	s = strings.ToValidUTF8(s[:limit-len(ellipsis)], "")
	return s + ellipsis
}
