package project

import (
	"context"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// ControllerName is the name of the controller, in logs, metrics and events.
const ControllerName = "project"

// AddToManager fills in the unset dependencies of r from mgr and adds r to mgr. The
// controller reconciles a Project when its generation changes, and also when:
//   - its namespace is deleted (to create it again);
//   - one of its RoleBindings, ClusterRoleBindings or ClusterRoles is changed or deleted
//     by someone else (to put it back);
//   - a ClusterRole that an aggregated ClusterRole may select changes (every Project, to
//     update the aggregated rules);
//   - a Shoot in the namespace of a Project being deleted goes.
func (r *Reconciler) AddToManager(mgr manager.Manager) error {
	if r.Client == nil {
		r.Client = mgr.GetClient()
	}
	if r.APIReader == nil {
		r.APIReader = mgr.GetAPIReader()
	}
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorder(ControllerName + "-controller")
	}
	if r.ShootsRequeueInterval == 0 {
		r.ShootsRequeueInterval = time.Minute
	}

	shoot := &metav1.PartialObjectMetadata{}
	shoot.SetGroupVersionKind(gardencorev1beta1.SchemeGroupVersion.WithKind("Shoot"))

	return builder.ControllerManagedBy(mgr).
		Named(ControllerName).
		For(&gardencorev1beta1.Project{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Owns(&corev1.Namespace{}, builder.WithPredicates(deletedOnly())).
		Owns(&rbacv1.RoleBinding{}, builder.WithPredicates(bindingChanged())).
		Owns(&rbacv1.ClusterRoleBinding{}, builder.WithPredicates(bindingChanged())).
		Owns(&rbacv1.ClusterRole{}, builder.WithPredicates(clusterRoleChanged())).
		Watches(&rbacv1.ClusterRole{}, handler.EnqueueRequestsFromMapFunc(r.mapToAllProjects),
			builder.WithPredicates(predicate.NewPredicateFuncs(func(obj client.Object) bool { return hasAggregationLabel(obj.GetLabels()) }))).
		Watches(shoot, handler.EnqueueRequestsFromMapFunc(r.mapShootToProjectInDeletion), builder.WithPredicates(deletedOnly())).
		WithOptions(controller.Options{MaxConcurrentReconciles: ptr.Deref(r.Config.ConcurrentSyncs, 0)}).
		Complete(r)
}

// deletedOnly passes delete events only.
func deletedOnly() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		UpdateFunc:  func(event.UpdateEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return true },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}

// bindingChanged passes deletions of (Cluster)RoleBindings and updates that change their
// role reference or subjects.
func bindingChanged() predicate.Predicate {
	content := func(obj client.Object) (rbacv1.RoleRef, []rbacv1.Subject, bool) {
		switch b := obj.(type) {
		case *rbacv1.RoleBinding:
			return b.RoleRef, b.Subjects, true
		case *rbacv1.ClusterRoleBinding:
			return b.RoleRef, b.Subjects, true
		}
		return rbacv1.RoleRef{}, nil, false
	}
	return predicate.Funcs{
		CreateFunc: func(event.CreateEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			oldRef, oldSubjects, ok1 := content(e.ObjectOld)
			newRef, newSubjects, ok2 := content(e.ObjectNew)
			return ok1 && ok2 && (oldRef != newRef || !equality.Semantic.DeepEqual(oldSubjects, newSubjects))
		},
		DeleteFunc:  func(event.DeleteEvent) bool { return true },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}

// clusterRoleChanged passes deletions of ClusterRoles and updates that change their rules
// or aggregation rule.
func clusterRoleChanged() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc: func(event.CreateEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, ok1 := e.ObjectOld.(*rbacv1.ClusterRole)
			n, ok2 := e.ObjectNew.(*rbacv1.ClusterRole)
			return ok1 && ok2 && (!equality.Semantic.DeepEqual(o.Rules, n.Rules) || !equality.Semantic.DeepEqual(o.AggregationRule, n.AggregationRule))
		},
		DeleteFunc:  func(event.DeleteEvent) bool { return true },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}

// mapToAllProjects returns every Project.
func (r *Reconciler) mapToAllProjects(ctx context.Context, _ client.Object) []reconcile.Request {
	projects := &gardencorev1beta1.ProjectList{}
	if err := r.Client.List(ctx, projects); err != nil {
		logf.FromContext(ctx).Error(err, "Listing projects failed")
		return nil
	}
	requests := make([]reconcile.Request, 0, len(projects.Items))
	for _, p := range projects.Items {
		requests = append(requests, reconcile.Request{NamespacedName: client.ObjectKey{Name: p.Name}})
	}
	return requests
}

// mapShootToProjectInDeletion returns the Project whose namespace held the Shoot obj, when
// that Project is being deleted.
func (r *Reconciler) mapShootToProjectInDeletion(ctx context.Context, obj client.Object) []reconcile.Request {
	ns := &corev1.Namespace{}
	if err := r.Client.Get(ctx, client.ObjectKey{Name: obj.GetNamespace()}, ns); err != nil {
		return nil
	}
	name := ns.Labels[v1beta1constants.ProjectName]
	if name == "" {
		return nil
	}
	project := &gardencorev1beta1.Project{}
	if err := r.Client.Get(ctx, client.ObjectKey{Name: name}, project); err != nil || project.DeletionTimestamp == nil {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: name}}}
}
