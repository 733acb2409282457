package shoot

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/hortus-dev/hortus/extensions/pkg/extension"
	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/component/machinecontrollermanager"
	"github.com/hortus-dev/hortus/pkg/executor/process"
	"github.com/hortus-dev/hortus/pkg/flow"
)

// Names of what the gardenlet writes into the shoot's seed namespace for extensions, as
// Gardener's gardenlet names them.
const (
	// secretCloudProvider holds the shoot's infrastructure credentials.
	secretCloudProvider = v1beta1constants.SecretNameCloudProvider
	// secretShootAccess holds a kubeconfig (key "kubeconfig") of the shoot's
	// kube-apiserver for extensions.
	secretShootAccess = "gardener"
	// MachineControllerManager is the component (and executor set) of the shoot's
	// machine-controller-manager; only shoots with workers have one.
	MachineControllerManager = machinecontrollermanager.DefaultName
	// machinesDir is the directory below the shoot's state directory that holds its
	// simulated machines.
	machinesDir = "machines"
	// userDataKey is the key of the user data in an OperatingSystemConfig's Secret.
	userDataKey = "cloud_config"
	// extensionPollInterval is how often a task looks at an extension object it waits for.
	extensionPollInterval = 500 * time.Millisecond
	// extensionAskAgainPeriod is how long a task waits before it asks an extension again.
	extensionAskAgainPeriod = 30 * time.Second
)

// hasWorkers tells whether the shoot has worker pools and so needs the extension
// resources, a machine-controller-manager and nodes.
func hasWorkers(shoot *gardencorev1beta1.Shoot) bool {
	return len(shoot.Spec.Provider.Workers) > 0
}

// extensionTasks adds the tasks that deploy the extension resources and the
// machine-controller-manager of a shoot with workers, and returns the tasks that the
// final health check must wait for.
func (o *operation) extensionTasks(g *flow.Graph, cluster, secrets, describe, kas flow.TaskID) []flow.TaskID {
	provider := g.Add(o.task("Deploying the cloud provider secret", o.ensureCloudProviderSecret, secrets))
	access := g.Add(o.task("Deploying the shoot access secret", o.ensureShootAccessSecret, describe))
	infra := g.Add(o.task("Deploying the Infrastructure", o.deployInfrastructure, cluster, provider))
	cp := g.Add(o.task("Deploying the ControlPlane", o.deployControlPlane, infra, kas, access))
	network := g.Add(o.task("Deploying the Network", o.deployNetwork, cluster, kas, access))
	osc := g.Add(o.task("Deploying the OperatingSystemConfigs", o.deployOperatingSystemConfigs, cluster, kas, access))
	mcm := g.Add(o.task("Deploying the machine-controller-manager", o.deployMachineControllerManager, describe, kas))
	// The Worker does not wait for the kube-controller-manager: new nodes wait for it to
	// approve their CSRs, while the machines are already being created.
	worker := g.Add(o.task("Deploying the Worker", o.deployWorker, infra, osc, mcm))
	done := []flow.TaskID{cp, network, worker}
	if dns := o.externalDNSRecord(); dns != nil {
		done = append(done, g.Add(o.task("Deploying the external DNSRecord", func(ctx context.Context) error {
			return o.deployDNSRecord(ctx, dns)
		}, cluster, provider)))
	}
	return done
}

// ensureCloudProviderSecret copies the shoot's credentials, from its CredentialsBinding
// or SecretBinding in the garden, into Secret cloudprovider in the seed namespace.
func (o *operation) ensureCloudProviderSecret(ctx context.Context) error {
	ref, err := o.credentialsSecretRef(ctx)
	if err != nil {
		return err
	}
	creds := &corev1.Secret{}
	if err := o.r.GardenClient.Get(ctx, ref, creds); err != nil {
		return fmt.Errorf("reading the shoot's credentials Secret %s in the garden: %w", ref, err)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: secretCloudProvider, Namespace: o.technicalID}}
	_, err = controllerutil.CreateOrUpdate(ctx, o.r.SeedClient, secret, func() error {
		secret.Data = creds.Data
		return nil
	})
	return err
}

// credentialsSecretRef finds the Secret that holds the shoot's credentials.
func (o *operation) credentialsSecretRef(ctx context.Context) (client.ObjectKey, error) {
	switch spec := o.shoot.Spec; {
	case spec.CredentialsBindingName != nil:
		binding := &securityv1alpha1.CredentialsBinding{}
		key := client.ObjectKey{Namespace: o.shoot.Namespace, Name: *spec.CredentialsBindingName}
		if err := o.r.GardenClient.Get(ctx, key, binding); err != nil {
			return client.ObjectKey{}, fmt.Errorf("reading CredentialsBinding %s: %w", key, err)
		}
		if ref := binding.CredentialsRef; ref.Kind == "Secret" {
			return client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, nil
		}
		return client.ObjectKey{}, flow.Terminal(fmt.Errorf("CredentialsBinding %s refers to a %s; Hortus supports only Secrets", key, binding.CredentialsRef.Kind))
	case spec.SecretBindingName != nil:
		binding := &gardencorev1beta1.SecretBinding{}
		key := client.ObjectKey{Namespace: o.shoot.Namespace, Name: *spec.SecretBindingName}
		if err := o.r.GardenClient.Get(ctx, key, binding); err != nil {
			return client.ObjectKey{}, fmt.Errorf("reading SecretBinding %s: %w", key, err)
		}
		return client.ObjectKey{Namespace: binding.SecretRef.Namespace, Name: binding.SecretRef.Name}, nil
	}
	return client.ObjectKey{}, flow.Terminal(errors.New("a shoot with workers needs credentials: set spec.credentialsBindingName"))
}

// ensureShootAccessSecret writes Secret gardener with a kubeconfig of the shoot's
// kube-apiserver, which extensions use to reach the shoot.
func (o *operation) ensureShootAccessSecret(ctx context.Context) error {
	kubeconfig, err := o.pki.Kubeconfig(o.cp.apiServerURL, o.pki.Gardenlet, "shoot", "gardener")
	if err != nil {
		return err
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: secretShootAccess, Namespace: o.technicalID}}
	_, err = controllerutil.CreateOrUpdate(ctx, o.r.SeedClient, secret, func() error {
		secret.Data = map[string][]byte{"kubeconfig": kubeconfig}
		return nil
	})
	return err
}

func (o *operation) secretRef() corev1.SecretReference {
	return corev1.SecretReference{Name: secretCloudProvider, Namespace: o.technicalID}
}

func (o *operation) deployInfrastructure(ctx context.Context) error {
	infra := &extensionsv1alpha1.Infrastructure{ObjectMeta: metav1.ObjectMeta{Name: o.shoot.Name, Namespace: o.technicalID}}
	return o.deployExtension(ctx, infra, func() error {
		infra.Spec.Type = o.shoot.Spec.Provider.Type
		infra.Spec.ProviderConfig = o.shoot.Spec.Provider.InfrastructureConfig
		infra.Spec.Region = o.shoot.Spec.Region
		infra.Spec.SecretRef = o.secretRef()
		return nil
	})
}

func (o *operation) infrastructureStatus(ctx context.Context) (*extensionsv1alpha1.Infrastructure, error) {
	infra := &extensionsv1alpha1.Infrastructure{}
	if err := o.r.SeedClient.Get(ctx, client.ObjectKey{Namespace: o.technicalID, Name: o.shoot.Name}, infra); err != nil {
		return nil, fmt.Errorf("reading the Infrastructure: %w", err)
	}
	return infra, nil
}

func (o *operation) deployControlPlane(ctx context.Context) error {
	infra, err := o.infrastructureStatus(ctx)
	if err != nil {
		return err
	}
	cp := &extensionsv1alpha1.ControlPlane{ObjectMeta: metav1.ObjectMeta{Name: o.shoot.Name, Namespace: o.technicalID}}
	return o.deployExtension(ctx, cp, func() error {
		cp.Spec.Type = o.shoot.Spec.Provider.Type
		cp.Spec.ProviderConfig = o.shoot.Spec.Provider.ControlPlaneConfig
		cp.Spec.Region = o.shoot.Spec.Region
		cp.Spec.SecretRef = o.secretRef()
		cp.Spec.InfrastructureProviderStatus = infra.Status.ProviderStatus
		return nil
	})
}

func (o *operation) deployNetwork(ctx context.Context) error {
	n := o.shoot.Spec.Networking
	if n == nil || n.Type == nil {
		return flow.Terminal(errors.New("a shoot with workers needs spec.networking.type"))
	}
	network := &extensionsv1alpha1.Network{ObjectMeta: metav1.ObjectMeta{Name: o.shoot.Name, Namespace: o.technicalID}}
	return o.deployExtension(ctx, network, func() error {
		network.Spec.Type = *n.Type
		network.Spec.ProviderConfig = n.ProviderConfig
		network.Spec.PodCIDR = podCIDR(o.shoot)
		network.Spec.ServiceCIDR = serviceCIDR(o.shoot)
		for _, f := range n.IPFamilies {
			network.Spec.IPFamilies = append(network.Spec.IPFamilies, extensionsv1alpha1.IPFamily(f))
		}
		return nil
	})
}

// oscName is the OperatingSystemConfig of a worker pool.
func oscName(pool string) string { return "cloud-config-" + pool }

func (o *operation) deployOperatingSystemConfigs(ctx context.Context) error {
	var errs []error
	for _, pool := range o.shoot.Spec.Provider.Workers {
		osc := &extensionsv1alpha1.OperatingSystemConfig{ObjectMeta: metav1.ObjectMeta{Name: oscName(pool.Name), Namespace: o.technicalID}}
		err := o.deployExtension(ctx, osc, func() error {
			metav1.SetMetaDataLabel(&osc.ObjectMeta, "worker.gardener.cloud/pool", pool.Name)
			osc.Spec.Type = o.machineImageName(pool)
			osc.Spec.Purpose = extensionsv1alpha1.OperatingSystemConfigPurposeProvision
			if pool.Machine.Image != nil {
				osc.Spec.ProviderConfig = pool.Machine.Image.ProviderConfig
			}
			if pool.CRI != nil {
				osc.Spec.CRIConfig = &extensionsv1alpha1.CRIConfig{Name: extensionsv1alpha1.CRIName(pool.CRI.Name)}
			}
			return nil
		})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// machineImageName is the pool's machine image, or the cloud profile's first one, which
// Gardener's defaulting would have chosen.
func (o *operation) machineImageName(pool gardencorev1beta1.Worker) string {
	if pool.Machine.Image != nil && pool.Machine.Image.Name != "" {
		return pool.Machine.Image.Name
	}
	if o.profile != nil && len(o.profile.MachineImages) > 0 {
		return o.profile.MachineImages[0].Name
	}
	return o.shoot.Spec.Provider.Type
}

// workerPool is the Worker's pool of the shoot's worker pool w, whose machines run
// Kubernetes shootVersion unless the pool has a version of its own, the machine image
// imageName (the pool's, or the CloudProfile's default), and the user data of the Secret
// userDataSecret.
func workerPool(w gardencorev1beta1.Worker, shootVersion, imageName, userDataSecret string) extensionsv1alpha1.WorkerPool {
	pool := extensionsv1alpha1.WorkerPool{
		Name:                             w.Name,
		MachineType:                      w.Machine.Type,
		MachineImage:                     extensionsv1alpha1.MachineImage{Name: imageName},
		Minimum:                          w.Minimum,
		Maximum:                          w.Maximum,
		MaxSurge:                         ptr.Deref(w.MaxSurge, intstr.FromInt32(1)),
		MaxUnavailable:                   ptr.Deref(w.MaxUnavailable, intstr.FromInt32(0)),
		Labels:                           w.Labels,
		Annotations:                      w.Annotations,
		Taints:                           w.Taints,
		Zones:                            w.Zones,
		ProviderConfig:                   w.ProviderConfig,
		UserDataSecretRef:                corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: userDataSecret}, Key: userDataKey},
		KubernetesVersion:                ptr.To(shootVersion),
		Architecture:                     w.Machine.Architecture,
		KubeletDataVolumeName:            w.KubeletDataVolumeName,
		MachineControllerManagerSettings: w.MachineControllerManagerSettings,
		Priority:                         w.Priority,
		UpdateStrategy:                   w.UpdateStrategy,
	}
	if w.Machine.Image != nil {
		pool.MachineImage.Version = ptr.Deref(w.Machine.Image.Version, "")
	}
	if w.Kubernetes != nil {
		pool.KubeletConfig = w.Kubernetes.Kubelet
		if v := ptr.Deref(w.Kubernetes.Version, ""); v != "" {
			pool.KubernetesVersion = ptr.To(v)
		}
	}
	if v := w.Volume; v != nil {
		pool.Volume = &extensionsv1alpha1.Volume{Name: v.Name, Type: v.Type, Size: v.VolumeSize, Encrypted: v.Encrypted}
	}
	for _, v := range w.DataVolumes {
		pool.DataVolumes = append(pool.DataVolumes, extensionsv1alpha1.DataVolume{Name: v.Name, Type: v.Type, Size: v.VolumeSize, Encrypted: v.Encrypted})
	}
	return pool
}

func (o *operation) deployWorker(ctx context.Context) error {
	infra, err := o.infrastructureStatus(ctx)
	if err != nil {
		return err
	}
	var pools []extensionsv1alpha1.WorkerPool
	for _, w := range o.shoot.Spec.Provider.Workers {
		osc := &extensionsv1alpha1.OperatingSystemConfig{}
		if err := o.r.SeedClient.Get(ctx, client.ObjectKey{Namespace: o.technicalID, Name: oscName(w.Name)}, osc); err != nil {
			return fmt.Errorf("reading the OperatingSystemConfig of pool %s: %w", w.Name, err)
		}
		if osc.Status.CloudConfig == nil {
			return fmt.Errorf("the OperatingSystemConfig of pool %s has no user data yet", w.Name)
		}
		pool := workerPool(w, o.shoot.Spec.Kubernetes.Version, o.machineImageName(w), osc.Status.CloudConfig.SecretRef.Name)
		pools = append(pools, pool)
	}
	worker := &extensionsv1alpha1.Worker{ObjectMeta: metav1.ObjectMeta{Name: o.shoot.Name, Namespace: o.technicalID}}
	return o.deployExtension(ctx, worker, func() error {
		worker.Spec.Type = o.shoot.Spec.Provider.Type
		worker.Spec.Region = o.shoot.Spec.Region
		worker.Spec.SecretRef = o.secretRef()
		worker.Spec.InfrastructureProviderStatus = infra.Status.ProviderStatus
		worker.Spec.Pools = pools
		return nil
	})
}

// externalDNSRecord is the DNSRecord of the shoot's API server domain, when it has one.
func (o *operation) externalDNSRecord() *extensionsv1alpha1.DNSRecord {
	dns := o.shoot.Spec.DNS
	if dns == nil || dns.Domain == nil || *dns.Domain == "" {
		return nil
	}
	return &extensionsv1alpha1.DNSRecord{ObjectMeta: metav1.ObjectMeta{Name: o.shoot.Name + "-external", Namespace: o.technicalID}}
}

func (o *operation) deployDNSRecord(ctx context.Context, record *extensionsv1alpha1.DNSRecord) error {
	providerType := o.shoot.Spec.Provider.Type
	if dns := o.shoot.Spec.DNS; len(dns.Providers) > 0 && dns.Providers[0].Type != nil {
		providerType = *dns.Providers[0].Type
	}
	return o.deployExtension(ctx, record, func() error {
		record.Spec.Type = providerType
		record.Spec.SecretRef = o.secretRef()
		record.Spec.Name = "api." + *o.shoot.Spec.DNS.Domain
		record.Spec.RecordType = extensionsv1alpha1.DNSRecordTypeA
		record.Spec.Values = []string{"127.0.0.1"}
		return nil
	})
}

// deployMachineControllerManager runs the shoot's machine-controller-manager, which turns
// the Worker's MachineDeployments into simulated machines.
func (o *operation) deployMachineControllerManager(ctx context.Context) error {
	target, err := o.pki.Kubeconfig(o.cp.apiServerURL, o.pki.Gardenlet, "shoot", "machine-controller-manager")
	if err != nil {
		return err
	}
	c := machinecontrollermanager.Build(machinecontrollermanager.Config{
		ControlKubeconfig: o.r.SeedKubeconfig,
		TargetKubeconfig:  target,
		Namespace:         o.technicalID,
		MachinesDir:       o.machinesDir(),
	})
	c.Env = append(c.Env, goRuntimeEnv...)
	return o.ex.Deploy(ctx, component.Set{Name: MachineControllerManager, Components: []component.Component{c}})
}

// machinesDir is where the shoot's simulated machines live.
func (o *operation) machinesDir() string {
	return filepath.Join(o.r.Executors.StateDir, o.technicalID, machinesDir)
}

// deployExtension creates or updates obj with mutate, asks its extension to reconcile it
// (gardener.cloud/operation=reconcile), and waits until it reports success.
func (o *operation) deployExtension(ctx context.Context, obj extensionsv1alpha1.Object, mutate func() error) error {
	_, err := controllerutil.CreateOrPatch(ctx, o.r.SeedClient, obj, func() error {
		annotations := obj.GetAnnotations()
		if annotations == nil {
			annotations = map[string]string{}
		}
		annotations[v1beta1constants.GardenerOperation] = v1beta1constants.GardenerOperationReconcile
		annotations[v1beta1constants.GardenerTimestamp] = o.r.Clock.Now().UTC().Format(time.RFC3339Nano)
		obj.SetAnnotations(annotations)
		return mutate()
	})
	if err != nil {
		return fmt.Errorf("writing %s %s: %w", o.kindOf(obj), client.ObjectKeyFromObject(obj), err)
	}
	return o.waitExtension(ctx, obj)
}

// waitExtension waits until the extension reports obj ready, and says why not when the
// task's time runs out. While it waits it asks again every extensionAskAgainPeriod, with a
// new gardener.cloud/timestamp, so that a request the extension missed (a restart, a lost
// event) does not hold the flow until the task's timeout.
func (o *operation) waitExtension(ctx context.Context, obj extensionsv1alpha1.Object) error {
	var last error
	asked := o.r.Clock.Now()
	err := wait.PollUntilContextCancel(ctx, extensionPollInterval, true, func(ctx context.Context) (bool, error) {
		last = o.r.SeedClient.Get(ctx, client.ObjectKeyFromObject(obj), obj)
		if last == nil {
			last = extension.CheckReady(obj)
		}
		if last != nil && o.r.Clock.Since(asked) > extensionAskAgainPeriod && obj.GetAnnotations()[v1beta1constants.GardenerOperation] == v1beta1constants.GardenerOperationReconcile {
			asked = o.r.Clock.Now()
			patch := client.MergeFrom(obj.DeepCopyObject().(client.Object))
			annotations := obj.GetAnnotations()
			annotations[v1beta1constants.GardenerTimestamp] = asked.UTC().Format(time.RFC3339Nano)
			obj.SetAnnotations(annotations)
			if err := o.r.SeedClient.Patch(ctx, obj, patch); err != nil {
				last = errors.Join(last, err)
			}
		}
		return last == nil, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for %s %s: %w; is an extension for type %q installed on the seed? See its ControllerInstallation", o.kindOf(obj), client.ObjectKeyFromObject(obj), errors.Join(last, err), obj.GetExtensionSpec().GetExtensionType())
	}
	return nil
}

// deleteExtension deletes obj and waits until its extension removed its finalizer.
func (o *operation) deleteExtension(ctx context.Context, obj extensionsv1alpha1.Object) error {
	if err := o.r.SeedClient.Delete(ctx, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("deleting %s %s: %w", o.kindOf(obj), client.ObjectKeyFromObject(obj), err)
	}
	var last string
	err := wait.PollUntilContextCancel(ctx, extensionPollInterval, true, func(ctx context.Context) (bool, error) {
		err := o.r.SeedClient.Get(ctx, client.ObjectKeyFromObject(obj), obj)
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		if e := obj.GetExtensionStatus().GetLastError(); e != nil {
			last = e.Description
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for the deletion of %s %s: %w (last error: %q)", o.kindOf(obj), client.ObjectKeyFromObject(obj), err, last)
	}
	return nil
}

// deleteExtensionTasks adds the tasks that remove the extension resources of a shoot with
// workers: the Worker first, until its machines are gone, then the machine-controller-
// manager and every other extension resource. It returns the tasks that must finish
// before the control plane stops.
func (o *operation) deleteExtensionTasks(g *flow.Graph, deps ...flow.TaskID) []flow.TaskID {
	worker := g.Add(o.task("Deleting the Worker", func(ctx context.Context) error {
		if err := o.deleteExtension(ctx, &extensionsv1alpha1.Worker{ObjectMeta: metav1.ObjectMeta{Name: o.shoot.Name, Namespace: o.technicalID}}); err != nil {
			return err
		}
		return o.waitNoMachines(ctx)
	}, deps...))
	mcm := g.Add(o.task("Deleting the machine-controller-manager", func(ctx context.Context) error {
		if err := o.ex.Delete(ctx, MachineControllerManager); err != nil {
			return err
		}
		return o.removeMachines(ctx)
	}, worker))
	osc := g.Add(o.task("Deleting the OperatingSystemConfigs", func(ctx context.Context) error {
		return o.deleteExtensions(ctx, &extensionsv1alpha1.OperatingSystemConfigList{})
	}, worker, deps[0]))
	network := g.Add(o.task("Deleting the Network", func(ctx context.Context) error {
		return o.deleteExtension(ctx, &extensionsv1alpha1.Network{ObjectMeta: metav1.ObjectMeta{Name: o.shoot.Name, Namespace: o.technicalID}})
	}, worker))
	cp := g.Add(o.task("Deleting the ControlPlane", func(ctx context.Context) error {
		return o.deleteExtension(ctx, &extensionsv1alpha1.ControlPlane{ObjectMeta: metav1.ObjectMeta{Name: o.shoot.Name, Namespace: o.technicalID}})
	}, worker))
	dns := g.Add(o.task("Deleting the DNSRecords", func(ctx context.Context) error {
		return o.deleteExtensions(ctx, &extensionsv1alpha1.DNSRecordList{})
	}))
	infra := g.Add(o.task("Deleting the Infrastructure", func(ctx context.Context) error {
		return o.deleteExtension(ctx, &extensionsv1alpha1.Infrastructure{ObjectMeta: metav1.ObjectMeta{Name: o.shoot.Name, Namespace: o.technicalID}})
	}, cp, worker))
	return []flow.TaskID{mcm, osc, network, cp, dns, infra}
}

// deleteExtensions deletes every extension object of list's kind in the shoot's namespace
// and waits until they are gone.
func (o *operation) deleteExtensions(ctx context.Context, list client.ObjectList) error {
	if err := o.r.SeedClient.List(ctx, list, client.InNamespace(o.technicalID)); err != nil {
		return err
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		return err
	}
	var errs []error
	for _, item := range items {
		if obj, ok := item.(extensionsv1alpha1.Object); ok {
			errs = append(errs, o.deleteExtension(ctx, obj))
		}
	}
	return errors.Join(errs...)
}

// removeMachines stops and removes simulated machines that outlived their
// machine-controller-manager, so that no process of the shoot survives its deletion.
func (o *operation) removeMachines(ctx context.Context) error {
	ex, err := process.New(process.Options{StateDir: o.machinesDir(), BinDirs: o.r.Executors.BinDirs, Logger: o.r.Executors.Logger.WithValues("shoot", o.technicalID)})
	if err != nil {
		return err
	}
	defer func() { _ = ex.Close() }()
	return ex.StopAll(ctx)
}

// kindOf names obj's kind for messages, from the seed client's scheme.
func (o *operation) kindOf(obj client.Object) string {
	if gvk, err := apiutil.GVKForObject(obj, o.r.SeedClient.Scheme()); err == nil {
		return gvk.Kind
	}
	return fmt.Sprintf("%T", obj)
}

// hibernateWorker asks the Worker of a shoot that is being hibernated for no machines and
// waits until they are gone. A shoot whose hibernation already finished has none.
func (o *operation) hibernateWorker(ctx context.Context) error {
	if o.shoot.Status.IsHibernated {
		return nil
	}
	worker := &extensionsv1alpha1.Worker{ObjectMeta: metav1.ObjectMeta{Name: o.shoot.Name, Namespace: o.technicalID}}
	if err := o.r.SeedClient.Get(ctx, client.ObjectKeyFromObject(worker), worker); err != nil {
		return client.IgnoreNotFound(err)
	}
	if err := o.deployExtension(ctx, worker, func() error { return nil }); err != nil {
		return err
	}
	return o.waitNoMachines(ctx)
}

// waitNoMachines waits until no Machine is left in the shoot's namespace.
func (o *operation) waitNoMachines(ctx context.Context) error {
	var n int
	err := wait.PollUntilContextCancel(ctx, extensionPollInterval, true, func(ctx context.Context) (bool, error) {
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(machineListGVK)
		if err := o.r.SeedClient.List(ctx, list, client.InNamespace(o.technicalID)); err != nil {
			if meta.IsNoMatchError(err) {
				return true, nil
			}
			return false, nil
		}
		n = len(list.Items)
		return n == 0, nil
	})
	if err != nil {
		return fmt.Errorf("%d machines are still being deleted: %w", n, err)
	}
	return nil
}

var machineListGVK = schema.GroupVersionKind{Group: "machine.sapcloud.io", Version: "v1alpha1", Kind: "MachineList"}

// deleteWithWorkersTasks adds the deletion of the extension resources of a shoot with
// workers. Removing machines needs the machine-controller-manager, and removing bootstrap
// tokens needs the shoot, so a hibernated control plane is started again first, as long as
// extension resources that need it remain.
func (o *operation) deleteWithWorkersTasks(g *flow.Graph) []flow.TaskID {
	whenNeeded := func(fn func(context.Context) error) func(context.Context) error {
		return func(ctx context.Context) error {
			needed, err := o.extensionsNeedShoot(ctx)
			if err != nil {
				return err
			}
			if !needed {
				return nil
			}
			return fn(ctx)
		}
	}
	secrets := g.Add(o.task("Generating secrets", whenNeeded(o.ensureSecrets)))
	ports := g.Add(o.task("Reserving ports", whenNeeded(o.reservePorts)))
	describe := g.Add(o.task("Describing the control plane", whenNeeded(o.describe), secrets, ports))
	etcd := g.Add(o.task("Starting etcd for the deletion", whenNeeded(o.deployFn(Etcd)), describe))
	kas := g.Add(o.task("Starting the kube-apiserver for the deletion", whenNeeded(o.deployFn(KubeAPIServer)), etcd))
	kcm := g.Add(o.task("Starting the kube-controller-manager for the deletion", whenNeeded(o.deployFn(KubeControllerManager)), kas))
	access := g.Add(o.task("Deploying the shoot access secret", whenNeeded(o.ensureShootAccessSecret), describe))
	mcm := g.Add(o.task("Starting the machine-controller-manager for the deletion", whenNeeded(o.deployMachineControllerManager), kas, access))
	return o.deleteExtensionTasks(g, mcm, kcm)
}

// deployFn deploys one component of the control plane.
func (o *operation) deployFn(comp string) func(context.Context) error {
	return func(ctx context.Context) error { return o.ex.Deploy(ctx, o.cp.set(comp)) }
}

// extensionsNeedShoot tells whether a Worker or an OperatingSystemConfig of the shoot is
// left, whose deletion needs the shoot's control plane.
func (o *operation) extensionsNeedShoot(ctx context.Context) (bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.needShoot != nil {
		return *o.needShoot, nil
	}
	workers := &extensionsv1alpha1.WorkerList{}
	if err := o.r.SeedClient.List(ctx, workers, client.InNamespace(o.technicalID)); err != nil {
		return false, err
	}
	oscs := &extensionsv1alpha1.OperatingSystemConfigList{}
	if err := o.r.SeedClient.List(ctx, oscs, client.InNamespace(o.technicalID)); err != nil {
		return false, err
	}
	needed := len(workers.Items)+len(oscs.Items) > 0
	o.needShoot = &needed
	return needed, nil
}
