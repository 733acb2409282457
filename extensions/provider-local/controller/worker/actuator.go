package worker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/extensions/pkg/extension"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller"
)

// ErrWaiting is wrapped by Reconcile's and Delete's errors while machine-controller-manager
// has still to create or remove machines; the generic reconciler retries.
var ErrWaiting = errors.New("waiting for machines")

// Actuator reconciles Workers of type local.
type Actuator struct {
	// Client reaches the seed.
	Client client.Client
	// Clock stamps status.machineDeploymentsLastUpdateTime; nil is the real clock.
	Clock clock.PassiveClock
}

// AddToManager registers the Worker controller with mgr.
func (a *Actuator) AddToManager(mgr manager.Manager, o controller.Options) error {
	if a.Clock == nil && o.Clock != nil {
		a.Clock = o.Clock
	}
	return extension.Add(mgr, extension.Args[*extensionsv1alpha1.Worker]{
		Name:                    controller.ControllerName(extensionsv1alpha1.WorkerResource),
		NewObject:               func() *extensionsv1alpha1.Worker { return &extensionsv1alpha1.Worker{} },
		Type:                    controller.Type,
		Actuator:                a,
		Finalizer:               controller.Finalizer(extensionsv1alpha1.WorkerResource),
		Clock:                   o.Clock,
		MaxConcurrentReconciles: o.MaxConcurrentReconciles,
	})
}

// Reconcile writes the MachineClasses, their Secrets and the MachineDeployments of every
// pool and zone, removes those of pools that left the spec, records the deployments in
// status.machineDeployments and returns an error wrapping ErrWaiting until every
// MachineDeployment has all its replicas updated and available and no Machine of the
// Worker uses an older MachineClass. Then it removes the classes no longer in use.
//
// A MachineClass is named after its MachineDeployment and a hash of what the machines
// are made of (see Build), so a change of the machine type, image, Kubernetes version,
// architecture or volumes gives the deployment a new class, and machine-controller-manager
// replaces the machines with a rolling update that honours the pool's maxSurge and
// maxUnavailable.
func (a *Actuator) Reconcile(ctx context.Context, log logr.Logger, w *extensionsv1alpha1.Worker, cluster *extension.Cluster) error {
	if cluster == nil {
		return fmt.Errorf("worker %s has no Cluster: the gardenlet writes it", client.ObjectKeyFromObject(w))
	}
	userData := map[string][]byte{}
	for _, pool := range w.Spec.Pools {
		data, err := a.userData(ctx, w.Namespace, pool)
		if err != nil {
			return err
		}
		userData[pool.Name] = data
	}
	desired, err := Build(Input{Worker: w, Shoot: cluster.Shoot, Profile: cluster.CloudProfile, UserData: userData})
	if err != nil {
		return reconcile.TerminalError(err)
	}

	for _, d := range desired {
		if err := a.apply(ctx, d); err != nil {
			return err
		}
	}
	if err := a.cleanup(ctx, log, w, desired); err != nil {
		return err
	}

	status := make([]extensionsv1alpha1.MachineDeployment, 0, len(desired))
	for _, d := range desired {
		status = append(status, extensionsv1alpha1.MachineDeployment{Name: d.Deployment.Name, Minimum: d.Minimum, Maximum: d.Maximum, Priority: poolPriority(w, d.Pool)})
	}
	if !equality.Semantic.DeepEqual(status, w.Status.MachineDeployments) {
		now := a.now()
		if err := controller.PatchStatus(ctx, a.Client, w, func(w *extensionsv1alpha1.Worker) {
			w.Status.MachineDeployments = status
			w.Status.MachineDeploymentsLastUpdateTime = &now
		}); err != nil {
			return err
		}
	}
	log.Info("Machine deployments written", "machineDeployments", len(desired))
	if err := a.waitReady(ctx, w, desired); err != nil {
		return requeueWhileWaiting(err)
	}
	// The roll is over: the classes that the replaced machines used can go.
	return a.cleanup(ctx, log, w, desired)
}

// Delete removes the MachineDeployments, waits until machine-controller-manager has
// removed every Machine of the Worker, and then removes the MachineClasses and Secrets.
func (a *Actuator) Delete(ctx context.Context, log logr.Logger, w *extensionsv1alpha1.Worker, _ *extension.Cluster) error {
	sel := []client.ListOption{client.InNamespace(w.Namespace), client.MatchingLabels{WorkerLabel: w.Name}}
	deployments := &machinev1alpha1.MachineDeploymentList{}
	if err := a.Client.List(ctx, deployments, sel...); err != nil {
		return fmt.Errorf("listing MachineDeployments: %w", err)
	}
	for i := range deployments.Items {
		if err := a.Client.Delete(ctx, &deployments.Items[i]); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting MachineDeployment %s: %w", deployments.Items[i].Name, err)
		}
	}
	machines := &machinev1alpha1.MachineList{}
	if err := a.Client.List(ctx, machines, sel...); err != nil {
		return fmt.Errorf("listing Machines: %w", err)
	}
	if n := len(deployments.Items) + len(machines.Items); n > 0 {
		var names []string
		for _, m := range machines.Items {
			names = append(names, m.Name)
		}
		log.Info("Waiting for machines to be removed", "machineDeployments", len(deployments.Items), "machines", len(machines.Items))
		return requeueWhileWaiting(fmt.Errorf("%w: %d MachineDeployment(s) and %d Machine(s) [%s] are still being removed by machine-controller-manager",
			ErrWaiting, len(deployments.Items), len(machines.Items), strings.Join(names, ", ")))
	}
	if err := a.Client.DeleteAllOf(ctx, &machinev1alpha1.MachineClass{}, client.InNamespace(w.Namespace), client.MatchingLabels{WorkerLabel: w.Name}); err != nil {
		return fmt.Errorf("deleting MachineClasses: %w", err)
	}
	if err := a.Client.DeleteAllOf(ctx, &corev1.Secret{}, client.InNamespace(w.Namespace), client.MatchingLabels{WorkerLabel: w.Name}); err != nil {
		return fmt.Errorf("deleting the MachineClass Secrets: %w", err)
	}
	log.Info("Removed the machine classes")
	return nil
}

// userData reads the pool's user data from spec.pools[].userDataSecretRef or, when that is
// empty, from the result Secret of the pool's OperatingSystemConfig of purpose provision.
func (a *Actuator) userData(ctx context.Context, namespace string, pool extensionsv1alpha1.WorkerPool) ([]byte, error) {
	ref := pool.UserDataSecretRef
	if ref.Name == "" {
		oscs := &extensionsv1alpha1.OperatingSystemConfigList{}
		if err := a.Client.List(ctx, oscs, client.InNamespace(namespace), client.MatchingLabels{v1beta1constants.LabelWorkerPool: pool.Name}); err != nil {
			return nil, fmt.Errorf("listing the OperatingSystemConfigs of pool %s: %w", pool.Name, err)
		}
		for _, osc := range oscs.Items {
			if osc.Spec.Purpose == extensionsv1alpha1.OperatingSystemConfigPurposeProvision && osc.Status.CloudConfig != nil {
				ref.Name = osc.Status.CloudConfig.SecretRef.Name
			}
		}
		if ref.Name == "" {
			return nil, fmt.Errorf("worker pool %s: %w: spec.pools[].userDataSecretRef is empty and no OperatingSystemConfig of purpose provision with label %s=%s has a cloud config yet",
				pool.Name, ErrWaiting, v1beta1constants.LabelWorkerPool, pool.Name)
		}
	}
	if ref.Key == "" {
		ref.Key = extensionsv1alpha1.OperatingSystemConfigSecretDataKey
	}
	secret := &corev1.Secret{}
	if err := a.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: ref.Name}, secret); err != nil {
		return nil, fmt.Errorf("reading the user data Secret %s/%s of pool %s: %w", namespace, ref.Name, pool.Name, err)
	}
	data := secret.Data[ref.Key]
	if len(data) == 0 {
		return nil, fmt.Errorf("the user data Secret %s/%s of pool %s has no key %s", namespace, ref.Name, pool.Name, ref.Key)
	}
	return data, nil
}

// apply creates or updates the Secret, the MachineClass and the MachineDeployment of d,
// in this order, so that a deployment never names a class that does not exist.
func (a *Actuator) apply(ctx context.Context, d Desired) error {
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: d.Secret.Namespace, Name: d.Secret.Name}}
	if _, err := controllerutil.CreateOrUpdate(ctx, a.Client, secret, func() error {
		secret.Labels = mergeLabels(secret.Labels, d.Secret.Labels)
		secret.Type = d.Secret.Type
		secret.Data = d.Secret.Data
		return nil
	}); err != nil {
		return fmt.Errorf("writing Secret %s: %w", d.Secret.Name, err)
	}
	class := &machinev1alpha1.MachineClass{ObjectMeta: metav1.ObjectMeta{Namespace: d.Class.Namespace, Name: d.Class.Name}}
	if _, err := controllerutil.CreateOrUpdate(ctx, a.Client, class, func() error {
		class.Labels = mergeLabels(class.Labels, d.Class.Labels)
		class.NodeTemplate = d.Class.NodeTemplate
		class.ProviderSpec = d.Class.ProviderSpec
		class.Provider = d.Class.Provider
		class.SecretRef = d.Class.SecretRef
		return nil
	}); err != nil {
		return fmt.Errorf("writing MachineClass %s: %w", d.Class.Name, err)
	}
	deployment := &machinev1alpha1.MachineDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: d.Deployment.Namespace, Name: d.Deployment.Name}}
	if _, err := controllerutil.CreateOrUpdate(ctx, a.Client, deployment, func() error {
		deployment.Labels = mergeLabels(deployment.Labels, d.Deployment.Labels)
		want := d.Deployment.Spec
		deployment.Spec.Replicas = want.Replicas
		deployment.Spec.RevisionHistoryLimit = want.RevisionHistoryLimit
		deployment.Spec.Strategy = want.Strategy
		deployment.Spec.Template = want.Template
		if deployment.CreationTimestamp.IsZero() {
			deployment.Spec.Selector = want.Selector
		}
		return nil
	}); err != nil {
		return fmt.Errorf("writing MachineDeployment %s: %w", d.Deployment.Name, err)
	}
	return nil
}

// cleanup removes the MachineDeployments that are no longer wanted, and the MachineClasses
// and Secrets that are neither wanted nor used by a remaining Machine.
func (a *Actuator) cleanup(ctx context.Context, log logr.Logger, w *extensionsv1alpha1.Worker, desired []Desired) error {
	wantDeployments, wantClasses := sets.New[string](), sets.New[string]()
	for _, d := range desired {
		wantDeployments.Insert(d.Deployment.Name)
		wantClasses.Insert(d.Class.Name)
	}
	sel := []client.ListOption{client.InNamespace(w.Namespace), client.MatchingLabels{WorkerLabel: w.Name}}
	deployments := &machinev1alpha1.MachineDeploymentList{}
	if err := a.Client.List(ctx, deployments, sel...); err != nil {
		return fmt.Errorf("listing MachineDeployments: %w", err)
	}
	for i := range deployments.Items {
		d := &deployments.Items[i]
		if wantDeployments.Has(d.Name) {
			continue
		}
		if err := a.Client.Delete(ctx, d); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting MachineDeployment %s of a removed pool: %w", d.Name, err)
		}
		log.Info("Deleted the MachineDeployment of a removed pool or zone", "machineDeployment", client.ObjectKeyFromObject(d))
	}

	machines := &machinev1alpha1.MachineList{}
	if err := a.Client.List(ctx, machines, sel...); err != nil {
		return fmt.Errorf("listing Machines: %w", err)
	}
	used := sets.New[string]()
	for _, m := range machines.Items {
		used.Insert(m.Spec.Class.Name)
	}
	classes := &machinev1alpha1.MachineClassList{}
	if err := a.Client.List(ctx, classes, sel...); err != nil {
		return fmt.Errorf("listing MachineClasses: %w", err)
	}
	for i := range classes.Items {
		c := &classes.Items[i]
		if wantClasses.Has(c.Name) || used.Has(c.Name) {
			continue
		}
		if err := a.Client.Delete(ctx, c); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting MachineClass %s: %w", c.Name, err)
		}
		log.Info("Deleted an unused MachineClass", "machineClass", client.ObjectKeyFromObject(c))
	}
	secrets := &corev1.SecretList{}
	if err := a.Client.List(ctx, secrets, sel...); err != nil {
		return fmt.Errorf("listing the MachineClass Secrets: %w", err)
	}
	for i := range secrets.Items {
		s := &secrets.Items[i]
		if wantClasses.Has(s.Name) || used.Has(s.Name) {
			continue
		}
		if err := a.Client.Delete(ctx, s); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting Secret %s: %w", s.Name, err)
		}
	}
	return nil
}

// waitReady returns an error wrapping ErrWaiting unless every desired MachineDeployment
// reports, for its current generation, all replicas updated and available and no others,
// and no Machine of the Worker uses a MachineClass that is not desired.
func (a *Actuator) waitReady(ctx context.Context, w *extensionsv1alpha1.Worker, desired []Desired) error {
	var pending []string
	wantClasses := sets.New[string]()
	for _, d := range desired {
		wantClasses.Insert(d.Class.Name)
	}
	machines := &machinev1alpha1.MachineList{}
	if err := a.Client.List(ctx, machines, client.InNamespace(w.Namespace), client.MatchingLabels{WorkerLabel: w.Name}); err != nil {
		return fmt.Errorf("listing Machines: %w", err)
	}
	var old []string
	for _, m := range machines.Items {
		if !wantClasses.Has(m.Spec.Class.Name) {
			old = append(old, m.Name)
		}
	}
	if len(old) > 0 {
		slices.Sort(old)
		pending = append(pending, fmt.Sprintf("%d machine(s) of an older MachineClass are still being replaced [%s]", len(old), strings.Join(old, ", ")))
	}
	for _, d := range desired {
		md := &machinev1alpha1.MachineDeployment{}
		if err := a.Client.Get(ctx, client.ObjectKeyFromObject(d.Deployment), md); err != nil {
			if apierrors.IsNotFound(err) {
				pending = append(pending, d.Deployment.Name+" is missing")
				continue
			}
			return fmt.Errorf("reading MachineDeployment %s: %w", d.Deployment.Name, err)
		}
		if msg := notReady(md); msg != "" {
			pending = append(pending, msg)
		}
	}
	if len(pending) > 0 {
		return fmt.Errorf("%w: %s", ErrWaiting, strings.Join(pending, "; "))
	}
	return nil
}

// notReady says why md is not rolled out, or returns "".
func notReady(md *machinev1alpha1.MachineDeployment) string {
	s, want := md.Status, md.Spec.Replicas
	var failed []string
	for _, m := range s.FailedMachines {
		if m != nil {
			failed = append(failed, fmt.Sprintf("%s: %s", m.Name, m.LastOperation.Description))
		}
	}
	suffix := ""
	if len(failed) > 0 {
		suffix = " (failed machines: " + strings.Join(failed, "; ") + ")"
	}
	switch {
	case s.ObservedGeneration < md.Generation:
		return fmt.Sprintf("%s: machine-controller-manager has not observed generation %d yet%s", md.Name, md.Generation, suffix)
	case s.UpdatedReplicas != want || s.AvailableReplicas != want || s.Replicas != want:
		return fmt.Sprintf("%s: %d of %d machines updated, %d available, %d in total%s", md.Name, s.UpdatedReplicas, want, s.AvailableReplicas, s.Replicas, suffix)
	}
	return ""
}

func poolPriority(w *extensionsv1alpha1.Worker, pool string) *int32 {
	for _, p := range w.Spec.Pools {
		if p.Name == pool {
			return p.Priority
		}
	}
	return nil
}

func mergeLabels(have, want map[string]string) map[string]string {
	if have == nil {
		have = map[string]string{}
	}
	for k, v := range want {
		have[k] = v
	}
	return have
}

func (a *Actuator) now() metav1.Time {
	if a.Clock == nil {
		return metav1.Now()
	}
	return metav1.NewTime(a.Clock.Now())
}

// waitPeriod is how often a Worker that waits for machine-controller-manager is looked at
// again: the Worker controller does not watch MachineDeployments and Machines.
const waitPeriod = time.Second

// requeueWhileWaiting turns an error wrapping ErrWaiting into a requeue after waitPeriod,
// which keeps the Worker Processing instead of Error.
func requeueWhileWaiting(err error) error {
	if errors.Is(err, ErrWaiting) {
		return extension.RequeueAfter(err, waitPeriod)
	}
	return err
}
