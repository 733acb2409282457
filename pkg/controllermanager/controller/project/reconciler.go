package project

import (
	"context"
	"errors"
	"fmt"
	"time"

	controllermanagerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/controllermanager/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// Reconciler reconciles Projects: it gives each its namespace, the RBAC for its members
// and, when configured, a ResourceQuota; it keeps status.phase (Pending, Ready, Failed,
// Terminating) and status.observedGeneration; and on deletion (behind the finalizer
// "gardener") it waits until no Shoot is left in the namespace, then deletes or releases
// the namespace and deletes the Project's cluster-wide RBAC.
//
// Projects live in the Hortus API and Namespaces and RBAC in the garden kube-apiserver,
// which serves both (aggregation): one client reaches all of them.
type Reconciler struct {
	// Client reads from the manager's cache and writes to the garden. Defaults to the
	// manager's client.
	Client client.Client
	// APIReader reads Shoots without the cache, so that a Project is never released while
	// it has one. Defaults to the manager's API reader.
	APIReader client.Reader
	// Config is the project controller's section of the configuration.
	Config controllermanagerconfigv1alpha1.ProjectControllerConfiguration
	// Clock tells the time. Defaults to the real clock.
	Clock clock.PassiveClock
	// Recorder records events on Projects. Defaults to the manager's recorder for
	// ControllerName.
	Recorder events.EventRecorder
	// ShootsRequeueInterval is how often a Project whose deletion waits for its Shoots is
	// looked at again, besides whenever one of them goes. Defaults to a minute.
	ShootsRequeueInterval time.Duration
}

// scope is the state of one reconciliation of a Project, passed from phase to phase.
type scope struct {
	// project is the Project as read at the start. Phases update its metadata and spec on
	// the server and here; they set status.phase here only, and Reconcile writes the
	// status when it returns.
	project *gardencorev1beta1.Project
	// status is the status as read at the start, the base of the status patch.
	status gardencorev1beta1.ProjectStatus
	// namespace is the project namespace. Set by reconcileNamespace.
	namespace *corev1.Namespace
	// gone is set by removeFinalizer: the Project may not exist anymore, and has no status
	// to write.
	gone bool
}

// phase is one step of a reconciliation. An error ends the reconciliation; a non-zero
// result ends it too, and is returned.
type phase struct {
	name string
	run  func(ctx context.Context, s *scope) (reconcile.Result, error)
}

// Reconcile reconciles the Project named by req.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (_ reconcile.Result, retErr error) {
	log := logf.FromContext(ctx)
	project := &gardencorev1beta1.Project{}
	if err := r.Client.Get(ctx, req.NamespacedName, project); err != nil {
		if apierrors.IsNotFound(err) {
			log.V(1).Info("Project is gone")
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, fmt.Errorf("reading the project: %w", err)
	}
	s := &scope{project: project, status: *project.Status.DeepCopy()}
	defer func() {
		if err := r.patchStatus(ctx, s); err != nil {
			retErr = errors.Join(retErr, err)
		}
	}()
	if project.DeletionTimestamp != nil {
		return r.reconcileDelete(ctx, s)
	}
	return r.reconcileNormal(ctx, s)
}

// reconcileNormal brings a Project that is not being deleted to Ready, or Failed.
func (r *Reconciler) reconcileNormal(ctx context.Context, s *scope) (reconcile.Result, error) {
	if s.project.Status.Phase == "" {
		// Show that the Project is being worked on before the first real step.
		s.project.Status.Phase = gardencorev1beta1.ProjectPending
		if err := r.patchStatus(ctx, s); err != nil {
			return reconcile.Result{}, err
		}
	}
	for _, p := range []phase{
		{"finalizer", r.addFinalizer},
		{"namespace", r.reconcileNamespace},
		{"spec.namespace", r.recordNamespace},
		{"resource quota", r.reconcileResourceQuota},
		{"shared cluster roles", r.reconcileSharedClusterRoles},
		{"RBAC", r.reconcileRBAC},
	} {
		res, err := p.run(ctx, s)
		if err != nil {
			err = fmt.Errorf("reconciling the %s: %w", p.name, err)
			if stale(err) {
				return reconcile.Result{}, err
			}
			s.project.Status.Phase = gardencorev1beta1.ProjectFailed
			r.Recorder.Eventf(s.project, nil, corev1.EventTypeWarning, gardencorev1beta1.ProjectEventNamespaceReconcileFailed, gardencorev1beta1.EventActionReconcile, "%s", err.Error())
			return reconcile.Result{}, err
		}
		if !res.IsZero() {
			return res, nil
		}
	}
	s.project.Status.Phase = gardencorev1beta1.ProjectReady
	return reconcile.Result{}, nil
}

// reconcileDelete releases what the Project has once it has no Shoots, then lets it go.
func (r *Reconciler) reconcileDelete(ctx context.Context, s *scope) (reconcile.Result, error) {
	if !hasFinalizer(s.project) {
		return reconcile.Result{}, nil
	}
	s.project.Status.Phase = gardencorev1beta1.ProjectTerminating
	for _, p := range []phase{
		{"shoots", r.waitForShoots},
		{"namespace", r.releaseNamespace},
		{"RBAC", r.deleteRBAC},
		{"finalizer", r.removeFinalizer},
	} {
		res, err := p.run(ctx, s)
		if err != nil {
			err = fmt.Errorf("releasing the %s: %w", p.name, err)
			if stale(err) {
				return reconcile.Result{}, err
			}
			s.project.Status.Phase = gardencorev1beta1.ProjectFailed
			r.Recorder.Eventf(s.project, nil, corev1.EventTypeWarning, gardencorev1beta1.ProjectEventNamespaceDeletionFailed, gardencorev1beta1.EventActionDelete, "%s", err.Error())
			return reconcile.Result{}, err
		}
		if !res.IsZero() {
			return res, nil
		}
	}
	return reconcile.Result{}, nil
}

// stale reports whether err comes from acting on an outdated view (a conflict, or
// creating what exists already): the retry will see more, so the Project does not fail.
func stale(err error) bool {
	return apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err)
}

// patchStatus writes status.phase and status.observedGeneration, when they changed since
// the start (or the last patchStatus), to projects/status.
func (r *Reconciler) patchStatus(ctx context.Context, s *scope) error {
	if s.gone {
		return nil
	}
	s.project.Status.ObservedGeneration = s.project.Generation
	if equality.Semantic.DeepEqual(s.status, s.project.Status) {
		return nil
	}
	base := s.project.DeepCopy()
	base.Status = s.status
	if err := r.Client.Status().Patch(ctx, s.project, client.MergeFrom(base)); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("writing the project status: %w", err)
	}
	s.status = *s.project.Status.DeepCopy()
	return nil
}
