package mcm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/Masterminds/semver/v3"
	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	machineclientset "github.com/gardener/machine-controller-manager/pkg/client/clientset/versioned"
	machineapi "github.com/gardener/machine-controller-manager/pkg/client/clientset/versioned/typed/machine/v1alpha1"
	machineinformers "github.com/gardener/machine-controller-manager/pkg/client/informers/externalversions"
	machineinformersv1alpha1 "github.com/gardener/machine-controller-manager/pkg/client/informers/externalversions/machine/v1alpha1"
	mcmcontroller "github.com/gardener/machine-controller-manager/pkg/controller"
	mcmoptions "github.com/gardener/machine-controller-manager/pkg/options"
	machinecontroller "github.com/gardener/machine-controller-manager/pkg/util/provider/machinecontroller"
	"github.com/gardener/machine-controller-manager/pkg/util/provider/machineutils"
	provideroptions "github.com/gardener/machine-controller-manager/pkg/util/provider/options"
	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	kubeinformers "k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/record"

	"github.com/hortus-dev/hortus/extensions/provider-local/mcm/driver"
)

// Defaults for a local landscape. Simulated nodes start in a second and join within
// seconds, and run no real workloads, so the timeouts are far shorter than
// machine-controller-manager's cloud defaults (20m creation, 10m health, 2h drain).
const (
	// DefaultMachineCreationTimeout is how long a new machine may take to register a Ready
	// node before machine-controller-manager declares it failed and replaces it.
	DefaultMachineCreationTimeout = 3 * time.Minute
	// DefaultMachineHealthTimeout is how long a node may be unhealthy (not Ready, or with a
	// bad condition) before its machine is declared failed and replaced.
	DefaultMachineHealthTimeout = 2 * time.Minute
	// DefaultMachineDrainTimeout bounds the drain before a machine is deleted; after it,
	// the machine is deleted anyway. Pods on simulated nodes run no containers.
	DefaultMachineDrainTimeout = 30 * time.Second
	// DefaultMaxEvictRetries is how often a pod's eviction is tried before it is deleted.
	DefaultMaxEvictRetries = 3
	// DefaultOrphanMachinesPeriod is how often the safety controller looks for simulated
	// machines without a Machine object, and deletes them.
	DefaultOrphanMachinesPeriod = time.Minute
	// DefaultConcurrentSyncs is the number of workers per controller queue.
	DefaultConcurrentSyncs = 10
)

// Fixed settings, which a local landscape has no reason to change.
const (
	// resyncPeriod is the informers' resync period (MCM: 12h).
	resyncPeriod = 10 * time.Minute
	// pvTimeout bounds the waits for volume detachment and reattachment during a drain.
	pvTimeout = 30 * time.Second
	// preserveTimeout is how long a failed machine with the preserve annotation is kept (as MCM).
	preserveTimeout = 96 * time.Hour
	// apiServerCheckPeriod and apiServerCheckTimeout: the safety controller freezes the
	// machine controller when the control or target API server is unreachable for longer
	// than the timeout (as MCM).
	apiServerCheckPeriod  = time.Minute
	apiServerCheckTimeout = 30 * time.Second
	// safetyUp, safetyDown and overshootingPeriod guard against too many Machines per
	// MachineSet (as MCM).
	safetyUp           = 2
	safetyDown         = 1
	overshootingPeriod = time.Minute
	// nodeConditions make a machine unhealthy when True (as MCM).
	nodeConditions = "KernelDeadlock,ReadonlyFilesystem,DiskPressure,NetworkUnavailable"
	// kubeAPIQPS and kubeAPIBurst limit the clients (as MCM).
	kubeAPIQPS   = 20
	kubeAPIBurst = 30
	// pollInterval paces the waits for the API servers at start.
	pollInterval = 2 * time.Second
	userAgent    = "hortus-machine-controller-manager"
)

// Options configure Run.
type Options struct {
	// ControlKubeconfig is the kubeconfig file of the control cluster (the seed), which holds
	// the Machine objects, MachineClasses and their Secrets in Namespace. Required.
	ControlKubeconfig string
	// TargetKubeconfig is the kubeconfig file of the target cluster (the shoot), where the
	// machines' Nodes register. Required.
	TargetKubeconfig string
	// Namespace is the control cluster namespace to work in (the shoot's seed namespace).
	// Required.
	Namespace string
	// MachinesDir holds the simulated machines: the state directory of the driver's
	// process executor. Required.
	MachinesDir string
	// NodeBinary is the hortus binary whose `simulated-node` command runs a machine.
	// Empty means this executable.
	NodeBinary string

	// MachineCreationTimeout defaults to DefaultMachineCreationTimeout.
	MachineCreationTimeout time.Duration
	// MachineHealthTimeout defaults to DefaultMachineHealthTimeout.
	MachineHealthTimeout time.Duration
	// MachineDrainTimeout defaults to DefaultMachineDrainTimeout.
	MachineDrainTimeout time.Duration
	// MaxEvictRetries defaults to DefaultMaxEvictRetries.
	MaxEvictRetries int32
	// OrphanMachinesPeriod defaults to DefaultOrphanMachinesPeriod.
	OrphanMachinesPeriod time.Duration
	// ConcurrentSyncs defaults to DefaultConcurrentSyncs.
	ConcurrentSyncs int
	// BootstrapTokenAuthExtraGroups are the comma-separated extra groups of the bootstrap
	// tokens that machine-controller-manager puts into each machine's user data.
	BootstrapTokenAuthExtraGroups string
	// HealthBindAddress is where /healthz and /metrics are served, such as
	// 127.0.0.1:10258. Empty means not at all.
	HealthBindAddress string
}

// complete fills in the defaults.
func (o *Options) complete() error {
	if o.NodeBinary == "" {
		self, err := os.Executable()
		if err != nil {
			return fmt.Errorf("finding the hortus binary for simulated nodes: %w; set the node binary explicitly", err)
		}
		o.NodeBinary = self
	}
	if o.MachineCreationTimeout == 0 {
		o.MachineCreationTimeout = DefaultMachineCreationTimeout
	}
	if o.MachineHealthTimeout == 0 {
		o.MachineHealthTimeout = DefaultMachineHealthTimeout
	}
	if o.MachineDrainTimeout == 0 {
		o.MachineDrainTimeout = DefaultMachineDrainTimeout
	}
	if o.MaxEvictRetries == 0 {
		o.MaxEvictRetries = DefaultMaxEvictRetries
	}
	if o.OrphanMachinesPeriod == 0 {
		o.OrphanMachinesPeriod = DefaultOrphanMachinesPeriod
	}
	if o.ConcurrentSyncs == 0 {
		o.ConcurrentSyncs = DefaultConcurrentSyncs
	}
	return nil
}

// Validate reports every missing or invalid option.
func (o *Options) Validate() error {
	var errs []error
	for name, v := range map[string]string{
		"the control kubeconfig": o.ControlKubeconfig,
		"the target kubeconfig":  o.TargetKubeconfig,
		"the namespace":          o.Namespace,
		"the machines directory": o.MachinesDir,
	} {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s is not set", name))
		}
	}
	for name, d := range map[string]time.Duration{
		"the machine creation timeout": o.MachineCreationTimeout,
		"the machine health timeout":   o.MachineHealthTimeout,
		"the machine drain timeout":    o.MachineDrainTimeout,
		"the orphan machines period":   o.OrphanMachinesPeriod,
	} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative, got %s", name, d))
		}
	}
	if o.MaxEvictRetries < 0 {
		errs = append(errs, fmt.Errorf("the maximum evict retries must not be negative, got %d", o.MaxEvictRetries))
	}
	if o.ConcurrentSyncs < 0 {
		errs = append(errs, fmt.Errorf("the concurrent syncs must not be negative, got %d", o.ConcurrentSyncs))
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}

// providerSafety returns the machine controller's safety options.
func (o *Options) providerSafety() provideroptions.SafetyOptions {
	return provideroptions.SafetyOptions{
		MachineCreationTimeout:                   metav1.Duration{Duration: o.MachineCreationTimeout},
		MachineHealthTimeout:                     metav1.Duration{Duration: o.MachineHealthTimeout},
		MachineDrainTimeout:                      metav1.Duration{Duration: o.MachineDrainTimeout},
		MachineInPlaceUpdateTimeout:              metav1.Duration{Duration: o.MachineCreationTimeout},
		MaxEvictRetries:                          o.MaxEvictRetries,
		PvDetachTimeout:                          metav1.Duration{Duration: pvTimeout},
		PvReattachTimeout:                        metav1.Duration{Duration: pvTimeout},
		MachinePreserveTimeout:                   metav1.Duration{Duration: preserveTimeout},
		MachineSafetyOrphanVMsPeriod:             metav1.Duration{Duration: o.OrphanMachinesPeriod},
		MachineSafetyAPIServerStatusCheckPeriod:  metav1.Duration{Duration: apiServerCheckPeriod},
		MachineSafetyAPIServerStatusCheckTimeout: metav1.Duration{Duration: apiServerCheckTimeout},
	}
}

// coreSafety returns the MachineDeployment and MachineSet controllers' safety options.
func coreSafety() mcmoptions.SafetyOptions {
	return mcmoptions.SafetyOptions{
		SafetyUp:                        safetyUp,
		SafetyDown:                      safetyDown,
		MachineSafetyOvershootingPeriod: metav1.Duration{Duration: overshootingPeriod},
	}
}

// ran guards Run: machine-controller-manager's controllers register their metrics with
// Prometheus' process-wide registry and would panic on a second registration.
var ran atomic.Bool

// Run runs machine-controller-manager for provider-local until ctx ends: the
// MachineDeployment, MachineSet and safety controllers, and the machine controller with the
// local driver, whose machines are simulated nodes (local `hortus simulated-node`
// processes, not VMs). Leader election is off: run one per namespace. It waits for both
// clusters to be reachable and for the machine.sapcloud.io CRDs in the control cluster.
//
// Run works once per process. When ctx ends it closes the driver, which leaves the
// simulated nodes running for the next Run to adopt, and returns; machine-controller-manager's
// workers cannot be stopped and stay idle until the process exits.
func Run(ctx context.Context, log logr.Logger, o Options) error {
	if err := o.complete(); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return fmt.Errorf("machine-controller-manager options: %w", err)
	}
	control, err := restConfig(o.ControlKubeconfig)
	if err != nil {
		return fmt.Errorf("control cluster: %w", err)
	}
	target, err := restConfig(o.TargetKubeconfig)
	if err != nil {
		return fmt.Errorf("target cluster: %w", err)
	}
	machineClient, err := machineclientset.NewForConfig(control)
	if err != nil {
		return fmt.Errorf("control cluster: %w", err)
	}
	controlCore, err := kubernetes.NewForConfig(control)
	if err != nil {
		return fmt.Errorf("control cluster: %w", err)
	}
	targetCore, err := kubernetes.NewForConfig(target)
	if err != nil {
		return fmt.Errorf("target cluster: %w", err)
	}

	if err := waitForMachineAPI(ctx, log, controlCore); err != nil {
		return err
	}
	targetVersion, err := waitForTarget(ctx, log, targetCore)
	if err != nil {
		return err
	}

	drv, err := driver.New(driver.Options{
		MachinesDir: o.MachinesDir,
		NodeBinary:  o.NodeBinary,
		Namespace:   o.Namespace,
		Logger:      log.WithName("driver"),
	})
	if err != nil {
		return err
	}
	defer func() {
		if err := drv.Close(); err != nil {
			log.Error(err, "Closing the local machine driver failed")
		}
	}()

	resumeMachines(ctx, log, drv, machineClient, controlCore, o.Namespace)

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(machinev1alpha1.AddToScheme(scheme))
	broadcaster := record.NewBroadcaster(record.WithContext(ctx))
	defer broadcaster.Shutdown()
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: controlCore.CoreV1().Events("")})
	recorder := broadcaster.NewRecorder(scheme, corev1.EventSource{Component: "machine-controller-manager"})

	machineFactory := machineinformers.NewFilteredSharedInformerFactory(machineClient, resyncPeriod, o.Namespace, nil)
	controlFactory := kubeinformers.NewFilteredSharedInformerFactory(controlCore, resyncPeriod, o.Namespace, nil)
	targetFactory := kubeinformers.NewSharedInformerFactory(targetCore, resyncPeriod)
	machines := machineFactory.Machine().V1alpha1()

	if !ran.CompareAndSwap(false, true) {
		return errors.New("machine-controller-manager runs once per process: its controllers register process-wide metrics")
	}

	core, err := NewCoreController(ctx, log, o.Namespace, machineClient.MachineV1alpha1(), controlCore, targetCore, machines, targetFactory, recorder)
	if err != nil {
		return err
	}
	machine, err := machinecontroller.NewController(
		o.Namespace,
		machineClient.MachineV1alpha1(),
		controlCore,
		targetCore,
		drv,
		targetFactory,
		controlFactory.Core().V1().Secrets(),
		machines.MachineClasses(),
		machines.Machines(),
		recorder,
		o.providerSafety(),
		nodeConditions,
		o.BootstrapTokenAuthExtraGroups,
		targetVersion,
		machineutils.LongRetry,
	)
	if err != nil {
		return fmt.Errorf("creating machine-controller-manager's machine controller: %w", err)
	}

	if o.HealthBindAddress != "" {
		stop, err := serveHealth(ctx, log, o.HealthBindAddress)
		if err != nil {
			return err
		}
		defer stop()
	}

	stopCh := ctx.Done()
	machineFactory.Start(stopCh)
	controlFactory.Start(stopCh)
	targetFactory.Start(stopCh)
	defer func() {
		machineFactory.Shutdown()
		controlFactory.Shutdown()
		targetFactory.Shutdown()
	}()
	go core.Run(o.ConcurrentSyncs, stopCh)
	go machine.Run(o.ConcurrentSyncs, stopCh)
	log.Info("Started machine-controller-manager with simulated machines",
		"namespace", o.Namespace, "machinesDir", o.MachinesDir, "nodeBinary", o.NodeBinary,
		"machineCreationTimeout", o.MachineCreationTimeout, "machineHealthTimeout", o.MachineHealthTimeout,
		"machineDrainTimeout", o.MachineDrainTimeout)

	<-ctx.Done()
	log.Info("Stopping machine-controller-manager")
	return nil
}

// NewCoreController creates machine-controller-manager's MachineDeployment, MachineSet and
// safety controllers for namespace. Their MachineSet scale-ups wait for the sets to count
// the new machines (see surge.go), so that a rolling update keeps to maxSurge, and the
// machines they delete start the machine controller's deletion flow at its first step (see
// core.go). The controllers read machines and targetFactory, which the caller starts
// afterwards.
func NewCoreController(ctx context.Context, log logr.Logger, namespace string, machineClient machineapi.MachineV1alpha1Interface,
	controlCore, targetCore kubernetes.Interface, machines machineinformersv1alpha1.Interface, targetFactory kubeinformers.SharedInformerFactory,
	recorder record.EventRecorder) (mcmcontroller.Controller, error) {
	core, err := mcmcontroller.NewController(
		namespace,
		coreClient{MachineV1alpha1Interface: machineClient, barrier: newScaleUpBarrier(ctx, log.WithName("scale-up-barrier"), machines.MachineSets().Lister())},
		controlCore,
		targetCore,
		targetFactory,
		machines.Machines(),
		machines.MachineSets(),
		machines.MachineDeployments(),
		recorder,
		coreSafety(),
		true, // annotate nodes against cluster-autoscaler scale-down during rollouts, as MCM does
	)
	if err != nil {
		return nil, fmt.Errorf("creating machine-controller-manager's controllers: %w", err)
	}
	return core, nil
}

// restConfig loads a kubeconfig file with machine-controller-manager's client limits.
func restConfig(path string) (*rest.Config, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, fmt.Errorf("loading kubeconfig %s: %w", path, err)
	}
	cfg.QPS, cfg.Burst = kubeAPIQPS, kubeAPIBurst
	return rest.AddUserAgent(cfg, userAgent), nil
}

// machineResources are the resources of machine.sapcloud.io/v1alpha1 that Run needs.
var machineResources = []string{"machineclasses", "machinedeployments", "machines", "machinesets"}

// waitForMachineAPI waits until the control cluster serves every resource of
// machineResources, logging why it waits.
func waitForMachineAPI(ctx context.Context, log logr.Logger, c kubernetes.Interface) error {
	gv := machinev1alpha1.SchemeGroupVersion.String()
	return poll(ctx, log, "Waiting for the machine API in the control cluster", func(ctx context.Context) error {
		list, err := c.Discovery().ServerResourcesForGroupVersion(gv)
		if err != nil {
			return fmt.Errorf("%s is not served; install machine-controller-manager's CRDs (the gardenlet's seed controller does, from pkg/extensioncrds): %w", gv, err)
		}
		have := map[string]bool{}
		for _, r := range list.APIResources {
			have[r.Name] = true
		}
		var missing []string
		for _, r := range machineResources {
			if !have[r] {
				missing = append(missing, r)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("%s lacks %s; install machine-controller-manager's CRDs", gv, strings.Join(missing, ", "))
		}
		return nil
	})
}

// waitForTarget waits until the target cluster answers and returns its version.
func waitForTarget(ctx context.Context, log logr.Logger, c kubernetes.Interface) (*semver.Version, error) {
	var v *semver.Version
	err := poll(ctx, log, "Waiting for the target cluster", func(context.Context) error {
		info, err := c.Discovery().ServerVersion()
		if err != nil {
			return fmt.Errorf("reading the target cluster's version: %w", err)
		}
		v, err = semver.NewVersion(info.GitVersion)
		if err != nil {
			return fmt.Errorf("the target cluster's version %q: %w", info.GitVersion, err)
		}
		return nil
	})
	return v, err
}

// poll calls check until it succeeds or ctx ends. It logs msg with the first error and
// again whenever the error changes.
func poll(ctx context.Context, log logr.Logger, msg string, check func(context.Context) error) error {
	var last error
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		err := check(ctx)
		if err != nil && (last == nil || last.Error() != err.Error()) {
			log.Info(msg, "reason", err.Error())
		}
		last = err
		return err == nil, nil
	})
	if err != nil {
		return errors.Join(fmt.Errorf("%s: %w", strings.ToLower(msg[:1])+msg[1:], err), last)
	}
	return nil
}

// serveHealth serves /healthz and machine-controller-manager's /metrics on addr until the
// returned function is called.
func serveHealth(ctx context.Context, log logr.Logger, addr string) (func(), error) {
	l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("serving health and metrics: %w; pick another --health-bind-address", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.Handle("/metrics", promhttp.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error(err, "Health server failed")
		}
	}()
	log.Info("Serving health and metrics", "address", l.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// resumeMachines restarts the simulated nodes of the namespace's Machines whose processes
// were stopped (see driver.Resume), before the controllers look at their nodes' health.
// A machine that cannot be restarted is left to machine-controller-manager, which replaces
// it once its node stays unhealthy; so failures are logged, not returned.
func resumeMachines(ctx context.Context, log logr.Logger, drv *driver.Driver, machineClient machineclientset.Interface, core kubernetes.Interface, namespace string) {
	machines, err := machineClient.MachineV1alpha1().Machines(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		log.Error(err, "Listing the machines to restart stopped ones failed")
		return
	}
	for i := range machines.Items {
		m := &machines.Items[i]
		log := log.WithValues("machine", m.Name)
		class, err := machineClient.MachineV1alpha1().MachineClasses(namespace).Get(ctx, m.Spec.Class.Name, metav1.GetOptions{})
		if err != nil {
			log.Error(err, "Reading the machine's class to restart it failed")
			continue
		}
		secret, err := machineSecret(ctx, core, class)
		if err != nil {
			log.Error(err, "Reading the machine's user data to restart it failed")
			continue
		}
		if _, err := drv.Resume(ctx, m, class, secret); err != nil {
			log.Error(err, "Restarting the stopped machine failed")
		}
	}
}

// machineSecret is the Secret that machine-controller-manager hands the driver for a
// MachineClass: the user data Secret (secretRef) with the credentials
// (credentialsSecretRef) added.
func machineSecret(ctx context.Context, core kubernetes.Interface, class *machinev1alpha1.MachineClass) (*corev1.Secret, error) {
	out := &corev1.Secret{Data: map[string][]byte{}}
	for _, ref := range []*corev1.SecretReference{class.SecretRef, class.CredentialsSecretRef} {
		if ref == nil {
			continue
		}
		secret, err := core.CoreV1().Secrets(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		for k, v := range secret.Data {
			out.Data[k] = v
		}
	}
	return out, nil
}
