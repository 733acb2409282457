package controllerinstallation

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	gardencorev1 "github.com/gardener/gardener/pkg/apis/core/v1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/executor"
	"github.com/hortus-dev/hortus/pkg/gardenlet/condition"
	"github.com/hortus-dev/hortus/pkg/helmchart"
)

// ControllerName is the name of the controller.
const ControllerName = "controllerinstallation"

const (
	// Finalizer keeps an installation until its objects and processes are gone from the
	// seed.
	Finalizer = "core.gardener.cloud/controllerinstallation"
	// FieldOwner is the server-side apply field manager of what the gardenlet applies.
	FieldOwner = "hortus-gardenlet"
	// LabelManagedBy marks the inventory.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// DefaultSyncPeriod is how often a healthy installation is checked again.
	DefaultSyncPeriod = 30 * time.Second
	// TokenExpiration is the lifetime requested for the ServiceAccount tokens of local
	// processes; they are renewed after four fifths of it.
	TokenExpiration = 12 * time.Hour
	// recheckPeriod is how soon an installation that is not healthy yet, or being
	// deleted, is checked again.
	recheckPeriod = 2 * time.Second
)

// NamespaceName is the seed namespace of a registration's installation, and the name of
// the executor set of its local processes: extension-<registration>.
func NamespaceName(registration string) string { return "extension-" + registration }

// Reconciler installs the ControllerInstallations of its seed, as Gardener's gardenlet
// does: it renders the Helm chart of the installation's ControllerDeployment (release
// name: the registration; namespace: extension-<registration>) with the deployment's
// values and the injected gardener.* values (see InjectedValues), applies the objects to
// the seed with server-side apply, and records them in an inventory (see InventoryName)
// so that objects that leave the chart, and on deletion all of them, are deleted.
//
// With Processes set (the process executor), a Deployment whose containers use the Hortus
// image (see IsHortusImage) is not applied; it runs as local processes of the hortus
// binary in the set extension-<registration>, with a kubeconfig for its ServiceAccount
// (see ProcessSet). Without Processes (the kubernetes executor), Deployments are applied
// like every other object.
//
// It reports the conditions Valid, Installed, Healthy and Progressing. An installation
// without a ControllerDeployment has nothing to install and says so.
type Reconciler struct {
	// GardenClient reads ControllerInstallations, registrations, deployments and the seed,
	// and writes installations and their status.
	GardenClient client.Client
	// SeedClient applies and deletes objects in the seed and mints ServiceAccount tokens.
	SeedClient client.Client
	// SeedName is the gardenlet's seed.
	SeedName string
	// Identity is injected into the charts' values.
	Identity Identity
	// SeedAccess is how local processes reach the seed's API server.
	SeedAccess SeedAccess
	// Processes runs Hortus-image Deployments as local processes; nil applies them.
	Processes executor.Executor
	// ProcessStateDir is the state directory of Processes: the working directory of a
	// process is <ProcessStateDir>/<set>/<component>, where its token file lives.
	ProcessStateDir string
	// IsHortusImage tells the images that run as local processes; IsHortusImage when nil.
	IsHortusImage func(image string) bool
	// SyncPeriod is how often a healthy installation is checked again; DefaultSyncPeriod
	// when zero.
	SyncPeriod time.Duration
	Clock      clock.Clock

	gardenIdentityMu sync.Mutex
	gardenIdentity   string
}

// Reconcile installs, checks or uninstalls one installation.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	inst := &gardencorev1beta1.ControllerInstallation{}
	if err := r.GardenClient.Get(ctx, req.NamespacedName, inst); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if seedOf(inst) != r.SeedName {
		return reconcile.Result{}, nil
	}
	log := logf.FromContext(ctx).WithValues("controllerInstallation", client.ObjectKeyFromObject(inst), "controllerRegistration", inst.Spec.RegistrationRef.Name)
	ctx = logf.IntoContext(ctx, log)

	if inst.DeletionTimestamp != nil {
		return r.delete(ctx, inst)
	}
	if inst.Spec.DeploymentRef == nil {
		return r.nothingToInstall(ctx, inst)
	}
	if !controllerutil.ContainsFinalizer(inst, Finalizer) {
		patch := client.MergeFromWithOptions(inst.DeepCopy(), client.MergeFromWithOptimisticLock{})
		controllerutil.AddFinalizer(inst, Finalizer)
		if err := r.GardenClient.Patch(ctx, inst, patch); err != nil {
			return reconcile.Result{}, fmt.Errorf("adding the finalizer to ControllerInstallation %s: %w", inst.Name, err)
		}
	}

	outcome, requeueAfter, err := r.install(ctx, inst)
	if werr := r.writeConditions(ctx, inst, Conditions(outcome)); werr != nil {
		err = errors.Join(err, werr)
	}
	if err != nil {
		return reconcile.Result{}, err
	}
	return reconcile.Result{RequeueAfter: requeueAfter}, nil
}

// nothingToInstall reports an installation without a ControllerDeployment. What an
// earlier ControllerDeployment of it installed is removed first.
func (r *Reconciler) nothingToInstall(ctx context.Context, inst *gardencorev1beta1.ControllerInstallation) (reconcile.Result, error) {
	if controllerutil.ContainsFinalizer(inst, Finalizer) {
		done, err := r.uninstall(ctx, inst.Spec.RegistrationRef.Name)
		if err != nil || !done {
			return reconcile.Result{RequeueAfter: recheckPeriod}, err
		}
		if err := r.removeFinalizer(ctx, inst); err != nil {
			return reconcile.Result{}, err
		}
	}
	outcome := Outcome{Registration: inst.Spec.RegistrationRef.Name, NothingToInstall: true}
	reg := &gardencorev1beta1.ControllerRegistration{}
	if err := r.GardenClient.Get(ctx, client.ObjectKey{Name: inst.Spec.RegistrationRef.Name}, reg); err != nil {
		if !apierrors.IsNotFound(err) {
			return reconcile.Result{}, err
		}
		outcome.Invalid = &Problem{ReasonRegistrationNotFound, fmt.Sprintf("ControllerRegistration %q does not exist.", inst.Spec.RegistrationRef.Name)}
	}
	return reconcile.Result{}, r.writeConditions(ctx, inst, Conditions(outcome))
}

// install renders, applies and starts the installation and checks its health. It returns
// the outcome for the conditions, when to check again, and errors worth a retry.
func (r *Reconciler) install(ctx context.Context, inst *gardencorev1beta1.ControllerInstallation) (Outcome, time.Duration, error) {
	regName := inst.Spec.RegistrationRef.Name
	o := Outcome{Registration: regName}
	invalid := func(reason, format string, args ...any) (Outcome, time.Duration, error) {
		o.Invalid = &Problem{Reason: reason, Message: fmt.Sprintf(format, args...)}
		// The watches of registrations, deployments and the seed bring the next attempt.
		return o, 0, nil
	}

	reg := &gardencorev1beta1.ControllerRegistration{}
	if err := r.GardenClient.Get(ctx, client.ObjectKey{Name: regName}, reg); err != nil {
		if apierrors.IsNotFound(err) {
			return invalid(ReasonRegistrationNotFound, "ControllerRegistration %q does not exist.", regName)
		}
		return o, 0, fmt.Errorf("reading ControllerRegistration %s: %w", regName, err)
	}
	depName := inst.Spec.DeploymentRef.Name
	dep := &gardencorev1.ControllerDeployment{}
	if err := r.GardenClient.Get(ctx, client.ObjectKey{Name: depName}, dep); err != nil {
		if apierrors.IsNotFound(err) {
			return invalid(ReasonDeploymentNotFound, "ControllerDeployment %q does not exist.", depName)
		}
		return o, 0, fmt.Errorf("reading ControllerDeployment %s: %w", depName, err)
	}
	if dep.Helm == nil || len(dep.Helm.RawChart) == 0 {
		return invalid(ReasonChartInformationInvalid,
			"ControllerDeployment %q has no helm.rawChart: this gardenlet installs Helm charts that the deployment carries inline (helm.rawChart in core.gardener.cloud/v1, providerConfig.chart in v1beta1), not OCI repositories or other types.", depName)
	}
	var deploymentValues map[string]any
	if dep.Helm.Values != nil && len(dep.Helm.Values.Raw) > 0 {
		if err := json.Unmarshal(dep.Helm.Values.Raw, &deploymentValues); err != nil {
			return invalid(ReasonChartInformationInvalid, "The helm.values of ControllerDeployment %q are not an object: %v.", depName, err)
		}
	}
	seed := &gardencorev1beta1.Seed{}
	if err := r.GardenClient.Get(ctx, client.ObjectKey{Name: r.SeedName}, seed); err != nil {
		if apierrors.IsNotFound(err) {
			return invalid(ReasonSeedNotFound, "Seed %q does not exist (yet): the gardenlet registers it.", r.SeedName)
		}
		return o, 0, fmt.Errorf("reading Seed %s: %w", r.SeedName, err)
	}
	id := r.Identity
	id.GardenClusterIdentity = r.gardenClusterIdentity(ctx)
	injected, err := InjectedValues(seed, id)
	if err != nil {
		return o, 0, err
	}
	namespace := NamespaceName(regName)
	objs, err := helmchart.Render(dep.Helm.RawChart, helmchart.Release{
		Name: regName, Namespace: namespace, KubeVersion: ptr.Deref(seed.Status.KubernetesVersion, ""),
	}, MergeValues(deploymentValues, injected))
	if err != nil {
		return invalid(ReasonChartCannotBeRendered, "The chart of ControllerDeployment %q cannot be rendered; fix the chart or its values: %v.", depName, err)
	}
	if err := r.defaultNamespaces(objs, namespace); err != nil {
		return invalid(ReasonChartCannotBeRendered, "The chart of ControllerDeployment %q has objects of unknown kinds: %v.", depName, err)
	}
	objs = withoutNamespace(objs, namespace)
	toApply, local, err := Split(objs, r.Processes != nil, r.isHortusImage)
	if err != nil {
		return invalid(ReasonChartCannotBeRendered, "The chart of ControllerDeployment %q has an invalid Deployment: %v.", depName, err)
	}
	set, creds, err := ProcessSet(namespace, local, r.SeedAccess, r.isHortusImage)
	if err != nil {
		return invalid(ReasonChartNotRunnableLocally, "The Hortus-image Deployments of ControllerDeployment %q cannot run as local processes: %v.", depName, err)
	}

	if err := r.applyAll(ctx, regName, namespace, toApply); err != nil {
		o.InstallError = err
		return o, 0, err
	}
	nextRefresh, err := r.runProcesses(ctx, set, creds)
	if err != nil {
		o.InstallError = err
		return o, 0, err
	}

	o.Unhealthy, o.Progressing, err = r.health(ctx, set, toApply)
	if err != nil {
		return o, 0, err
	}
	requeueAfter := cmp.Or(r.SyncPeriod, DefaultSyncPeriod)
	if len(o.Unhealthy)+len(o.Progressing) > 0 {
		requeueAfter = recheckPeriod
	}
	if !nextRefresh.IsZero() {
		requeueAfter = min(requeueAfter, max(nextRefresh.Sub(r.Clock.Now()), time.Second))
	}
	return o, requeueAfter, nil
}

// ReasonChartNotRunnableLocally: a Hortus-image Deployment of the chart uses what a local
// process cannot have, such as volume mounts.
const ReasonChartNotRunnableLocally = "ChartNotRunnableLocally"

// defaultNamespaces puts namespaced objects without a namespace into namespace, as Helm
// does. Kinds that the seed does not serve yet may be defined by the chart's own CRDs.
func (r *Reconciler) defaultNamespaces(objs []*unstructured.Unstructured, namespace string) error {
	chartScopes := map[schema.GroupKind]bool{}
	for _, obj := range objs {
		if obj.GetKind() != "CustomResourceDefinition" {
			continue
		}
		group, _, _ := unstructured.NestedString(obj.Object, "spec", "group")
		kind, _, _ := unstructured.NestedString(obj.Object, "spec", "names", "kind")
		scope, _, _ := unstructured.NestedString(obj.Object, "spec", "scope")
		chartScopes[schema.GroupKind{Group: group, Kind: kind}] = scope == "Namespaced"
	}
	var errs []error
	for _, obj := range objs {
		if obj.GetNamespace() != "" {
			continue
		}
		namespaced, err := r.SeedClient.IsObjectNamespaced(obj)
		if err != nil {
			var ok bool
			if namespaced, ok = chartScopes[obj.GroupVersionKind().GroupKind()]; !ok {
				errs = append(errs, fmt.Errorf("%s %s: %w", obj.GetKind(), obj.GetName(), err))
				continue
			}
		}
		if namespaced {
			obj.SetNamespace(namespace)
		}
	}
	return errors.Join(errs...)
}

// withoutNamespace drops the Namespace namespace from objs: the gardenlet manages it.
func withoutNamespace(objs []*unstructured.Unstructured, namespace string) []*unstructured.Unstructured {
	out := objs[:0:0]
	for _, obj := range objs {
		if obj.GetAPIVersion() == "v1" && obj.GetKind() == "Namespace" && obj.GetName() == namespace {
			continue
		}
		out = append(out, obj)
	}
	return out
}

// applyAll applies the namespace and objs to the seed and deletes what an earlier
// reconciliation applied that objs no longer has. The inventory lists every object that
// may exist at any time: before applying, the old and the new objects; after pruning,
// the new ones.
func (r *Reconciler) applyAll(ctx context.Context, registration, namespace string, objs []*unstructured.Unstructured) error {
	log := logf.FromContext(ctx)
	ns := &corev1.Namespace{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: namespace, Labels: map[string]string{
			v1beta1constants.GardenRole:                      v1beta1constants.GardenRoleExtension,
			v1beta1constants.LabelControllerRegistrationName: registration,
		}},
	}
	if err := r.SeedClient.Patch(ctx, ns, client.Apply, client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
		return fmt.Errorf("applying namespace %s to the seed: %w", namespace, err)
	}
	if ns.DeletionTimestamp != nil {
		return fmt.Errorf("namespace %s is being deleted in the seed; the installation continues once it is gone", namespace)
	}
	applied, err := readInventory(ctx, r.SeedClient, namespace)
	if err != nil {
		return err
	}
	wanted := make([]ObjectRef, 0, len(objs))
	for _, obj := range objs {
		wanted = append(wanted, RefOf(obj))
	}
	if err := writeInventory(ctx, r.SeedClient, namespace, Union(applied, wanted)); err != nil {
		return err
	}
	for _, obj := range objs {
		if err := r.SeedClient.Patch(ctx, obj, client.Apply, client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
			return fmt.Errorf("applying %s to the seed: %w", RefOf(obj), err)
		}
	}
	for _, ref := range Stale(applied, wanted) {
		if err := r.deleteObject(ctx, ref); err != nil {
			return err
		}
		log.Info("Deleted object that left the chart", "object", ref.String())
	}
	return writeInventory(ctx, r.SeedClient, namespace, wanted)
}

// deleteObject deletes ref from the seed; an object or kind that is gone is fine.
func (r *Reconciler) deleteObject(ctx context.Context, ref ObjectRef) error {
	err := r.SeedClient.Delete(ctx, ref.object(), client.PropagationPolicy(metav1.DeletePropagationBackground))
	if err == nil || apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
		return nil
	}
	return fmt.Errorf("deleting %s from the seed: %w", ref, err)
}

// runProcesses brings the executor set to set, after giving every process a valid token.
// It returns when the first token needs renewal. An empty set removes the processes that
// an earlier reconciliation started.
func (r *Reconciler) runProcesses(ctx context.Context, set component.Set, creds []Credential) (time.Time, error) {
	if r.Processes == nil {
		return time.Time{}, nil
	}
	if len(set.Components) == 0 {
		if err := r.Processes.Delete(ctx, set.Name); err != nil {
			return time.Time{}, fmt.Errorf("removing the processes of %s: %w", set.Name, err)
		}
		return time.Time{}, nil
	}
	var next time.Time
	for _, cred := range creds {
		at, err := r.ensureToken(ctx, set.Name, cred)
		if err != nil {
			return time.Time{}, err
		}
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	if err := r.Processes.Deploy(ctx, set); err != nil {
		return time.Time{}, fmt.Errorf("starting the processes of %s: %w", set.Name, err)
	}
	return next, nil
}

// ensureToken writes a token of the credential's ServiceAccount to the process's token
// file unless the file holds one of the same ServiceAccount that needs no renewal yet. It
// returns when the token is due for renewal.
func (r *Reconciler) ensureToken(ctx context.Context, set string, cred Credential) (time.Time, error) {
	sa := &corev1.ServiceAccount{}
	if err := r.SeedClient.Get(ctx, client.ObjectKey{Namespace: cred.Namespace, Name: cred.ServiceAccount}, sa); err != nil {
		return time.Time{}, fmt.Errorf("process %s needs ServiceAccount %s/%s, which the chart must create: %w", cred.Component, cred.Namespace, cred.ServiceAccount, err)
	}
	path := filepath.Join(r.ProcessStateDir, set, cred.Component, TokenFile)
	if b, err := os.ReadFile(path); err == nil {
		claims, err := parseToken(string(b))
		if err == nil && claims.serviceAccountUID == string(sa.UID) {
			if at := refreshAt(claims.issued, claims.expires); r.Clock.Now().Before(at) {
				return at, nil
			}
		}
	}
	tr := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To(int64(TokenExpiration / time.Second))}}
	if err := r.SeedClient.SubResource("token").Create(ctx, sa, tr); err != nil {
		return time.Time{}, fmt.Errorf("requesting a token for ServiceAccount %s/%s: %w", cred.Namespace, cred.ServiceAccount, err)
	}
	if err := writeFileAtomic(path, []byte(tr.Status.Token)); err != nil {
		return time.Time{}, fmt.Errorf("writing the token of process %s: %w", cred.Component, err)
	}
	logf.FromContext(ctx).Info("Issued service account token", "component", cred.Component, "serviceAccount", client.ObjectKeyFromObject(sa), "expires", tr.Status.ExpirationTimestamp.Time)
	issued := r.Clock.Now()
	if claims, err := parseToken(tr.Status.Token); err == nil {
		issued = claims.issued
	}
	return refreshAt(issued, tr.Status.ExpirationTimestamp.Time), nil
}

func writeFileAtomic(path string, content []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, content, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// health describes the processes of set that do not run and the applied Deployments that
// are not available (unhealthy), and those that start or roll out (progressing).
func (r *Reconciler) health(ctx context.Context, set component.Set, applied []*unstructured.Unstructured) (unhealthy, progressing []string, err error) {
	if r.Processes != nil && len(set.Components) > 0 {
		statuses, err := r.Processes.Status(ctx, set.Name)
		if err != nil {
			return nil, nil, fmt.Errorf("reading the status of the processes of %s: %w", set.Name, err)
		}
		u, p := ProcessHealth(set, statuses)
		unhealthy, progressing = append(unhealthy, u...), append(progressing, p...)
	}
	for _, obj := range applied {
		if obj.GroupVersionKind() != appsv1.SchemeGroupVersion.WithKind("Deployment") {
			continue
		}
		d := &appsv1.Deployment{}
		if err := r.SeedClient.Get(ctx, client.ObjectKeyFromObject(obj), d); err != nil {
			return nil, nil, fmt.Errorf("reading Deployment %s: %w", client.ObjectKeyFromObject(obj), err)
		}
		if msg := DeploymentNotAvailable(d); msg != "" {
			unhealthy = append(unhealthy, msg)
			progressing = append(progressing, msg)
		}
	}
	return unhealthy, progressing, nil
}

// ProcessHealth describes the components of set that do not run (unhealthy) and that
// start (also progressing), from their statuses.
func ProcessHealth(set component.Set, statuses []component.Status) (unhealthy, progressing []string) {
	byName := map[string]component.Status{}
	for _, s := range statuses {
		byName[s.Name] = s
	}
	for _, c := range set.Components {
		s, ok := byName[c.Name]
		switch {
		case !ok:
			unhealthy = append(unhealthy, fmt.Sprintf("process %s is not started", c.Name))
		case s.Phase == component.PhaseReady:
		case s.Phase == component.PhaseStarting:
			msg := fmt.Sprintf("process %s is starting", c.Name)
			unhealthy, progressing = append(unhealthy, msg), append(progressing, msg)
		default:
			msg := fmt.Sprintf("process %s is %s after %d restarts", c.Name, strings.ToLower(string(s.Phase)), s.Restarts)
			if s.Message != "" {
				msg += ": " + s.Message
			}
			if s.LogPath != "" {
				msg += " (log: " + s.LogPath + ")"
			}
			unhealthy = append(unhealthy, msg)
		}
	}
	return unhealthy, progressing
}

// DeploymentNotAvailable says why d is not rolled out and available, or "" when it is.
func DeploymentNotAvailable(d *appsv1.Deployment) string {
	want := ptr.Deref(d.Spec.Replicas, 1)
	s := d.Status
	switch {
	case s.ObservedGeneration < d.Generation:
		return fmt.Sprintf("Deployment %s/%s: its controller has not observed generation %d yet", d.Namespace, d.Name, d.Generation)
	case s.UpdatedReplicas < want:
		return fmt.Sprintf("Deployment %s/%s: %d of %d replicas are updated", d.Namespace, d.Name, s.UpdatedReplicas, want)
	case s.AvailableReplicas < want:
		return fmt.Sprintf("Deployment %s/%s: %d of %d replicas are available", d.Namespace, d.Name, s.AvailableReplicas, want)
	}
	return ""
}

// delete uninstalls a deleted installation and then drops its finalizer.
func (r *Reconciler) delete(ctx context.Context, inst *gardencorev1beta1.ControllerInstallation) (reconcile.Result, error) {
	if !controllerutil.ContainsFinalizer(inst, Finalizer) {
		return reconcile.Result{}, nil
	}
	done, err := r.uninstall(ctx, inst.Spec.RegistrationRef.Name)
	if err != nil {
		werr := r.writeConditions(ctx, inst, []gardencorev1beta1.Condition{{
			Type: gardencorev1beta1.ControllerInstallationInstalled, Status: gardencorev1beta1.ConditionFalse,
			Reason: ReasonDeletionFailed, Message: err.Error(),
		}})
		return reconcile.Result{}, errors.Join(err, werr)
	}
	if !done {
		err := r.writeConditions(ctx, inst, []gardencorev1beta1.Condition{{
			Type: gardencorev1beta1.ControllerInstallationInstalled, Status: gardencorev1beta1.ConditionFalse,
			Reason: ReasonDeletionPending, Message: fmt.Sprintf("Waiting for namespace %s to be deleted from the seed.", NamespaceName(inst.Spec.RegistrationRef.Name)),
		}})
		return reconcile.Result{RequeueAfter: recheckPeriod}, err
	}
	return reconcile.Result{}, r.removeFinalizer(ctx, inst)
}

// uninstall stops the registration's processes and deletes every object of its inventory
// and then its namespace. It reports whether the namespace is gone.
func (r *Reconciler) uninstall(ctx context.Context, registration string) (bool, error) {
	log := logf.FromContext(ctx)
	namespace := NamespaceName(registration)
	if r.Processes != nil {
		if err := r.Processes.Delete(ctx, namespace); err != nil {
			return false, fmt.Errorf("stopping the processes of %s: %w", namespace, err)
		}
	}
	applied, err := readInventory(ctx, r.SeedClient, namespace)
	if err != nil {
		return false, err
	}
	var errs []error
	for _, ref := range Stale(applied, nil) {
		errs = append(errs, r.deleteObject(ctx, ref))
	}
	if err := errors.Join(errs...); err != nil {
		return false, err
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}
	if err := r.SeedClient.Delete(ctx, ns); err != nil {
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		if !apierrors.IsConflict(err) {
			return false, fmt.Errorf("deleting namespace %s from the seed: %w", namespace, err)
		}
	}
	log.Info("Waiting for the namespace to be deleted", "namespace", namespace)
	return false, nil
}

func (r *Reconciler) removeFinalizer(ctx context.Context, inst *gardencorev1beta1.ControllerInstallation) error {
	patch := client.MergeFromWithOptions(inst.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.RemoveFinalizer(inst, Finalizer)
	if err := r.GardenClient.Patch(ctx, inst, patch); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("removing the finalizer of ControllerInstallation %s: %w", inst.Name, err)
	}
	logf.FromContext(ctx).Info("Uninstalled")
	return nil
}

// writeConditions sets the conditions on the installation's status when they differ
// from what it says.
func (r *Reconciler) writeConditions(ctx context.Context, inst *gardencorev1beta1.ControllerInstallation, wanted []gardencorev1beta1.Condition) error {
	now := r.Clock.Now()
	conditions := inst.Status.Conditions
	changed := false
	for _, c := range wanted {
		old := condition.Get(conditions, c.Type)
		if old == nil || old.Status != c.Status || old.Reason != c.Reason || old.Message != c.Message {
			conditions = condition.Set(conditions, c, now)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	patch := client.MergeFromWithOptions(inst.DeepCopy(), client.MergeFromWithOptimisticLock{})
	inst.Status.Conditions = conditions
	if err := r.GardenClient.Status().Patch(ctx, inst, patch); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("updating the conditions of ControllerInstallation %s: %w", inst.Name, err)
	}
	return nil
}

// gardenClusterIdentity returns the garden's cluster identity from the ConfigMap
// kube-system/cluster-identity of the garden, or "" when it has none.
func (r *Reconciler) gardenClusterIdentity(ctx context.Context) string {
	r.gardenIdentityMu.Lock()
	defer r.gardenIdentityMu.Unlock()
	if r.gardenIdentity != "" {
		return r.gardenIdentity
	}
	cm := &corev1.ConfigMap{}
	if err := r.GardenClient.Get(ctx, client.ObjectKey{Namespace: metav1.NamespaceSystem, Name: v1beta1constants.ClusterIdentity}, cm); err == nil {
		r.gardenIdentity = cm.Data[v1beta1constants.ClusterIdentity]
	}
	return r.gardenIdentity
}

func (r *Reconciler) isHortusImage(image string) bool {
	if r.IsHortusImage != nil {
		return r.IsHortusImage(image)
	}
	return IsHortusImage(image)
}

// seedOf returns the name of the installation's seed, or "".
func seedOf(inst *gardencorev1beta1.ControllerInstallation) string {
	if inst.Spec.SeedRef == nil {
		return ""
	}
	return inst.Spec.SeedRef.Name
}
