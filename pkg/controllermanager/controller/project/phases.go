package project

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// FinalizerName keeps a Project until the controller has released its namespace and RBAC.
const FinalizerName = gardencorev1beta1.GardenerName

func hasFinalizer(project *gardencorev1beta1.Project) bool {
	return controllerutil.ContainsFinalizer(project, FinalizerName)
}

// addFinalizer adds the finalizer to the Project.
func (r *Reconciler) addFinalizer(ctx context.Context, s *scope) (reconcile.Result, error) {
	if hasFinalizer(s.project) {
		return reconcile.Result{}, nil
	}
	logf.FromContext(ctx).Info("Adding finalizer")
	patch := client.MergeFromWithOptions(s.project.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.AddFinalizer(s.project, FinalizerName)
	return reconcile.Result{}, r.Client.Patch(ctx, s.project, patch)
}

// removeFinalizer removes the finalizer from the Project, which lets it go.
func (r *Reconciler) removeFinalizer(ctx context.Context, s *scope) (reconcile.Result, error) {
	logf.FromContext(ctx).Info("Removing finalizer")
	patch := client.MergeFromWithOptions(s.project.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.RemoveFinalizer(s.project, FinalizerName)
	if err := r.Client.Patch(ctx, s.project, patch); client.IgnoreNotFound(err) != nil {
		return reconcile.Result{}, err
	}
	s.gone = true
	return reconcile.Result{}, nil
}

// reconcileNamespace creates the project namespace, or adopts the existing one.
func (r *Reconciler) reconcileNamespace(ctx context.Context, s *scope) (reconcile.Result, error) {
	name := namespaceName(s.project)
	log := logf.FromContext(ctx).WithValues("namespace", name)
	ns := &corev1.Namespace{}
	err := r.Client.Get(ctx, client.ObjectKey{Name: name}, ns)
	switch {
	case apierrors.IsNotFound(err):
		ns = newNamespace(s.project, name)
		log.Info("Creating project namespace")
		if err := r.Client.Create(ctx, ns); err != nil {
			return reconcile.Result{}, fmt.Errorf("creating namespace %q: %w", name, err)
		}
		r.Recorder.Eventf(s.project, nil, corev1.EventTypeNormal, gardencorev1beta1.ProjectEventNamespaceReconcileSuccessful, gardencorev1beta1.EventActionReconcile, "Created namespace %q for the project", name)
	case err != nil:
		return reconcile.Result{}, fmt.Errorf("reading namespace %q: %w", name, err)
	default:
		before := ns.DeepCopy()
		changed, err := adoptNamespace(s.project, ns)
		if err != nil {
			return reconcile.Result{}, err
		}
		if changed {
			log.Info("Adopting project namespace")
			if err := r.Client.Patch(ctx, ns, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
				return reconcile.Result{}, fmt.Errorf("adopting namespace %q: %w", name, err)
			}
			r.Recorder.Eventf(s.project, nil, corev1.EventTypeNormal, gardencorev1beta1.ProjectEventNamespaceReconcileSuccessful, gardencorev1beta1.EventActionReconcile, "Adopted namespace %q for the project", name)
		}
	}
	s.namespace = ns
	return reconcile.Result{}, nil
}

// recordNamespace writes the namespace to spec.namespace when it was not set.
func (r *Reconciler) recordNamespace(ctx context.Context, s *scope) (reconcile.Result, error) {
	if s.project.Spec.Namespace != nil && *s.project.Spec.Namespace == s.namespace.Name {
		return reconcile.Result{}, nil
	}
	logf.FromContext(ctx).Info("Recording project namespace in spec", "namespace", s.namespace.Name)
	patch := client.MergeFromWithOptions(s.project.DeepCopy(), client.MergeFromWithOptimisticLock{})
	s.project.Spec.Namespace = ptr.To(s.namespace.Name)
	return reconcile.Result{}, r.Client.Patch(ctx, s.project, patch)
}

// reconcileResourceQuota keeps the ResourceQuota of the first configured quota whose
// project selector matches the Project, if any.
func (r *Reconciler) reconcileResourceQuota(ctx context.Context, s *scope) (reconcile.Result, error) {
	q, err := quotaFor(r.Config, s.project)
	if err != nil || q == nil {
		return reconcile.Result{}, err
	}
	rq := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: ResourceQuotaName, Namespace: s.namespace.Name}}
	_, err = controllerutil.CreateOrPatch(ctx, r.Client, rq, func() error {
		mutateResourceQuota(rq, q, projectOwnerReference(s.project))
		return nil
	})
	return reconcile.Result{}, err
}

// reconcileSharedClusterRoles ensures the ClusterRoles that the RoleBindings in every
// project namespace refer to, with their aggregated rules.
func (r *Reconciler) reconcileSharedClusterRoles(ctx context.Context, _ *scope) (reconcile.Result, error) {
	shared := SharedClusterRoles()
	candidates, err := r.aggregationCandidates(ctx, shared)
	if err != nil {
		return reconcile.Result{}, err
	}
	var errs []error
	for _, role := range shared {
		errs = append(errs, r.applyClusterRole(ctx, role, candidates))
	}
	return reconcile.Result{}, errors.Join(errs...)
}

// reconcileRBAC applies the Project's RBAC (see DesiredRBAC) and deletes the extension
// roles that no member has anymore.
func (r *Reconciler) reconcileRBAC(ctx context.Context, s *scope) (reconcile.Result, error) {
	desired, err := DesiredRBAC(s.project)
	if err != nil {
		return reconcile.Result{}, err
	}
	var candidates []rbacv1.ClusterRole
	if slices.ContainsFunc(desired.ClusterRoles, func(c *rbacv1.ClusterRole) bool { return c.AggregationRule != nil }) {
		if candidates, err = r.aggregationCandidates(ctx, nil); err != nil {
			return reconcile.Result{}, err
		}
	}
	var errs []error
	for _, obj := range desired.ClusterRoles {
		errs = append(errs, r.applyClusterRole(ctx, obj, candidates))
	}
	for _, obj := range desired.ClusterRoleBindings {
		errs = append(errs, r.applyClusterRoleBinding(ctx, obj))
	}
	for _, obj := range desired.RoleBindings {
		errs = append(errs, r.applyRoleBinding(ctx, obj))
	}
	if err := errors.Join(errs...); err != nil {
		return reconcile.Result{}, err
	}
	return reconcile.Result{}, r.deleteExtensionRoles(ctx, s.project, desired)
}

// aggregationCandidates lists the ClusterRoles that aggregated ClusterRoles may select,
// with the roles of want in place of (or besides) the cached ones of the same name, which
// the cache may not show yet.
func (r *Reconciler) aggregationCandidates(ctx context.Context, want []*rbacv1.ClusterRole) ([]rbacv1.ClusterRole, error) {
	list := &rbacv1.ClusterRoleList{}
	if err := r.Client.List(ctx, list); err != nil {
		return nil, fmt.Errorf("listing cluster roles: %w", err)
	}
	byName := map[string]rbacv1.ClusterRole{}
	for _, c := range list.Items {
		if hasAggregationLabel(c.Labels) {
			byName[c.Name] = c
		}
	}
	for _, c := range want {
		if c.AggregationRule == nil {
			byName[c.Name] = *c
		}
	}
	return slices.Collect(maps.Values(byName)), nil
}

// applyClusterRole creates or updates the ClusterRole desired: its labels (added to the
// existing ones), owner references, aggregation rule and rules, the aggregated rules when
// it has an aggregation rule.
func (r *Reconciler) applyClusterRole(ctx context.Context, desired *rbacv1.ClusterRole, candidates []rbacv1.ClusterRole) error {
	rules := desired.Rules
	if desired.AggregationRule != nil {
		var err error
		if rules, err = AggregateRules(desired, candidates); err != nil {
			return fmt.Errorf("aggregating cluster role %q: %w", desired.Name, err)
		}
	}
	obj := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: desired.Name}}
	_, err := controllerutil.CreateOrPatch(ctx, r.Client, obj, func() error {
		mergeMeta(&obj.ObjectMeta, &desired.ObjectMeta)
		obj.AggregationRule = desired.AggregationRule
		if !equality.Semantic.DeepEqual(obj.Rules, rules) {
			obj.Rules = rules
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("applying cluster role %q: %w", desired.Name, err)
	}
	return nil
}

// applyClusterRoleBinding creates or updates the ClusterRoleBinding desired. A binding
// with another role reference, which cannot change, is replaced.
func (r *Reconciler) applyClusterRoleBinding(ctx context.Context, desired *rbacv1.ClusterRoleBinding) error {
	current := &rbacv1.ClusterRoleBinding{}
	if err := r.deleteOnRoleRefChange(ctx, client.ObjectKeyFromObject(desired), current, func() rbacv1.RoleRef { return current.RoleRef }, desired.RoleRef); err != nil {
		return err
	}
	obj := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: desired.Name}}
	_, err := controllerutil.CreateOrPatch(ctx, r.Client, obj, func() error {
		mergeMeta(&obj.ObjectMeta, &desired.ObjectMeta)
		obj.RoleRef = desired.RoleRef
		obj.Subjects = desired.Subjects
		return nil
	})
	if err != nil {
		return fmt.Errorf("applying cluster role binding %q: %w", desired.Name, err)
	}
	return nil
}

// applyRoleBinding creates or updates the RoleBinding desired. A binding with another
// role reference, which cannot change, is replaced.
func (r *Reconciler) applyRoleBinding(ctx context.Context, desired *rbacv1.RoleBinding) error {
	current := &rbacv1.RoleBinding{}
	if err := r.deleteOnRoleRefChange(ctx, client.ObjectKeyFromObject(desired), current, func() rbacv1.RoleRef { return current.RoleRef }, desired.RoleRef); err != nil {
		return err
	}
	obj := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: desired.Name, Namespace: desired.Namespace}}
	_, err := controllerutil.CreateOrPatch(ctx, r.Client, obj, func() error {
		mergeMeta(&obj.ObjectMeta, &desired.ObjectMeta)
		obj.RoleRef = desired.RoleRef
		obj.Subjects = desired.Subjects
		return nil
	})
	if err != nil {
		return fmt.Errorf("applying role binding %s/%s: %w", desired.Namespace, desired.Name, err)
	}
	return nil
}

// deleteOnRoleRefChange reads the binding key into current and deletes it when its role
// reference (got) is not want, so that it can be created anew.
func (r *Reconciler) deleteOnRoleRefChange(ctx context.Context, key client.ObjectKey, current client.Object, got func() rbacv1.RoleRef, want rbacv1.RoleRef) error {
	obj := current
	if err := r.Client.Get(ctx, key, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("reading binding %s: %w", key, err)
	}
	if got() != want {
		logf.FromContext(ctx).Info("Replacing binding with another role reference", "binding", key)
		if err := r.Client.Delete(ctx, obj, client.Preconditions{UID: ptr.To(obj.GetUID())}); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting binding %s: %w", key, err)
		}
	}
	return nil
}

// mergeMeta adds the labels of desired to obj and sets its owner references.
func mergeMeta(obj, desired *metav1.ObjectMeta) {
	if len(desired.Labels) > 0 {
		if obj.Labels == nil {
			obj.Labels = map[string]string{}
		}
		maps.Copy(obj.Labels, desired.Labels)
	}
	if desired.OwnerReferences != nil {
		obj.OwnerReferences = desired.OwnerReferences
	}
}

// deleteExtensionRoles deletes the Project's extension ClusterRoles and RoleBindings that
// keep is without (all of them when keep is empty). The RoleBindings are in namespace.
func (r *Reconciler) deleteExtensionRoles(ctx context.Context, project *gardencorev1beta1.Project, keep RBAC) error {
	wanted := map[string]bool{}
	for _, c := range keep.ClusterRoles {
		wanted[c.Name] = true
	}
	selector := client.MatchingLabels(extensionRoleLabels(project.Name))
	roles := &rbacv1.ClusterRoleList{}
	if err := r.Client.List(ctx, roles, selector); err != nil {
		return fmt.Errorf("listing extension cluster roles: %w", err)
	}
	var stale []client.Object
	for i := range roles.Items {
		if !wanted[roles.Items[i].Name] {
			stale = append(stale, &roles.Items[i])
		}
	}
	if ns := namespaceName(project); ns != "" {
		bindings := &rbacv1.RoleBindingList{}
		if err := r.Client.List(ctx, bindings, selector, client.InNamespace(ns)); err != nil {
			return fmt.Errorf("listing extension role bindings: %w", err)
		}
		for i := range bindings.Items {
			if !wanted[bindings.Items[i].Name] {
				stale = append(stale, &bindings.Items[i])
			}
		}
	}
	return r.deleteAll(ctx, stale...)
}

// deleteAll deletes objs; objects that are gone already do not count as errors.
func (r *Reconciler) deleteAll(ctx context.Context, objs ...client.Object) error {
	var errs []error
	for _, obj := range objs {
		if err := r.Client.Delete(ctx, obj); client.IgnoreNotFound(err) != nil {
			errs = append(errs, fmt.Errorf("deleting %T %s: %w", obj, client.ObjectKeyFromObject(obj), err))
		}
	}
	return errors.Join(errs...)
}

// waitForShoots ends the deletion for now while Shoots are left in the project namespace.
func (r *Reconciler) waitForShoots(ctx context.Context, s *scope) (reconcile.Result, error) {
	ns := namespaceName(s.project)
	shoots := &metav1.PartialObjectMetadataList{}
	shoots.SetGroupVersionKind(gardencorev1beta1.SchemeGroupVersion.WithKind("ShootList"))
	if err := r.APIReader.List(ctx, shoots, client.InNamespace(ns)); err != nil {
		return reconcile.Result{}, fmt.Errorf("listing shoots in namespace %q: %w", ns, err)
	}
	if n := len(shoots.Items); n > 0 {
		logf.FromContext(ctx).Info("Project deletion waits for its shoots", "namespace", ns, "shoots", n,
			"waitingFor", r.Clock.Since(s.project.DeletionTimestamp.Time).Round(time.Second).String())
		r.Recorder.Eventf(s.project, nil, corev1.EventTypeWarning, gardencorev1beta1.ProjectEventNamespaceNotEmpty, gardencorev1beta1.EventActionDelete,
			"Cannot release namespace %q: it still contains %d Shoot(s); delete them first", ns, n)
		return reconcile.Result{RequeueAfter: r.ShootsRequeueInterval}, nil
	}
	return reconcile.Result{}, nil
}

// releaseNamespace deletes the project namespace, or strips it of the project's marks when
// it is to be kept (see namespaceRelease). A kept namespace also loses the Project's
// RoleBindings and ResourceQuota, which a deleted one takes with it.
func (r *Reconciler) releaseNamespace(ctx context.Context, s *scope) (reconcile.Result, error) {
	name := namespaceName(s.project)
	log := logf.FromContext(ctx).WithValues("namespace", name)
	ns := &corev1.Namespace{}
	if err := r.Client.Get(ctx, client.ObjectKey{Name: name}, ns); err != nil {
		if !apierrors.IsNotFound(err) {
			return reconcile.Result{}, fmt.Errorf("reading namespace %q: %w", name, err)
		}
		ns = nil
	}
	switch namespaceRelease(s.project, ns) {
	case releaseKeep:
		log.Info("Keeping project namespace, removing the project's marks")
		before := ns.DeepCopy()
		stripNamespace(s.project, ns)
		if err := r.Client.Patch(ctx, ns, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
			return reconcile.Result{}, fmt.Errorf("releasing namespace %q: %w", name, err)
		}
		if err := r.deleteNamespacedObjects(ctx, s.project, name); err != nil {
			return reconcile.Result{}, err
		}
	case releaseDelete:
		log.Info("Deleting project namespace")
		if err := r.Client.Delete(ctx, ns, client.Preconditions{UID: ptr.To(ns.UID)}); client.IgnoreNotFound(err) != nil {
			return reconcile.Result{}, fmt.Errorf("deleting namespace %q: %w", name, err)
		}
		r.Recorder.Eventf(s.project, nil, corev1.EventTypeNormal, gardencorev1beta1.ProjectEventNamespaceMarkedForDeletion, gardencorev1beta1.EventActionDelete, "Marked namespace %q for deletion", name)
	}
	return reconcile.Result{}, nil
}

// deleteNamespacedObjects deletes the Project's RoleBindings in namespace, and the
// ResourceQuota when the Project owns it: what a garbage collector would delete when the
// Project goes.
func (r *Reconciler) deleteNamespacedObjects(ctx context.Context, project *gardencorev1beta1.Project, namespace string) error {
	var objs []client.Object
	rq := &corev1.ResourceQuota{}
	if err := r.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: ResourceQuotaName}, rq); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("reading resource quota %s/%s: %w", namespace, ResourceQuotaName, err)
	}
	if slices.ContainsFunc(rq.OwnerReferences, func(ref metav1.OwnerReference) bool { return ref.UID == project.UID }) {
		objs = append(objs, rq)
	}
	for _, name := range []string{ClusterRoleProjectServiceAccountManager, ClusterRoleProjectMember, ClusterRoleProjectViewer} {
		objs = append(objs, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}})
	}
	bindings := &rbacv1.RoleBindingList{}
	if err := r.Client.List(ctx, bindings, client.MatchingLabels(extensionRoleLabels(project.Name)), client.InNamespace(namespace)); err != nil {
		return fmt.Errorf("listing extension role bindings: %w", err)
	}
	for i := range bindings.Items {
		objs = append(objs, &bindings.Items[i])
	}
	return r.deleteAll(ctx, objs...)
}

// deleteRBAC deletes the Project's ClusterRoles and ClusterRoleBindings.
func (r *Reconciler) deleteRBAC(ctx context.Context, s *scope) (reconcile.Result, error) {
	var objs []client.Object
	for _, name := range clusterScopedNames(s.project.Name) {
		objs = append(objs,
			&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}},
			&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}},
		)
	}
	roles := &rbacv1.ClusterRoleList{}
	if err := r.Client.List(ctx, roles, client.MatchingLabels(extensionRoleLabels(s.project.Name))); err != nil {
		return reconcile.Result{}, fmt.Errorf("listing extension cluster roles: %w", err)
	}
	for i := range roles.Items {
		objs = append(objs, &roles.Items[i])
	}
	return reconcile.Result{}, r.deleteAll(ctx, objs...)
}
