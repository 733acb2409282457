package gardenlet

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	gardenletconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/gardenlet/v1alpha1"
	gardencorev1 "github.com/gardener/gardener/pkg/apis/core/v1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	"github.com/go-logr/logr"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/cluster"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/hortus-dev/hortus/pkg/componentconfig"
	"github.com/hortus-dev/hortus/pkg/executor/process"
	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/backupbucket"
	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/backupentry"
	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/care"
	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/controllerinstallation"
	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/lease"
	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/seed"
	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/shoot"
	"github.com/hortus-dev/hortus/pkg/ports"
	"github.com/hortus-dev/hortus/pkg/version"
)

// Scheme is the scheme of the gardenlet's clients: the Kubernetes API and Gardener's
// core.gardener.cloud/v1beta1, and its v1 for ControllerDeployments.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(gardencorev1beta1.AddToScheme(s))
	utilruntime.Must(gardencorev1.AddToScheme(s))
	utilruntime.Must(extensionsv1alpha1.AddToScheme(s))
	utilruntime.Must(securityv1alpha1.AddToScheme(s))
	utilruntime.Must(apiextensionsv1.AddToScheme(s))
	return s
}

// Options are the settings of the gardenlet that its configuration file does not hold.
// The zero value is the default.
type Options struct {
	// LeaseRenewPeriod is how often the gardenlet renews its Lease in the garden. Defaults
	// to lease.DefaultRenewPeriod (10s); the controller manager marks the seed Unknown when
	// the Lease is older than its monitor period (40s by default).
	LeaseRenewPeriod time.Duration
	// LeaseDuration is the Lease's spec.leaseDurationSeconds. Defaults to
	// lease.DefaultLeaseDuration (40s).
	LeaseDuration time.Duration
	// Clock stamps conditions and Lease renewals. Defaults to the real clock.
	Clock clock.Clock
	// StateDir is where the process executor keeps the shoot control planes: a directory
	// per shoot with its processes' working directories, data and logs. Required for
	// shoots to get control planes.
	StateDir string
	// BinDirs are where the executor finds binaries: hortus, and the kube binaries per
	// version as <dir>/v<version>/<name> (bin/kube/ of a Hortus checkout).
	BinDirs []string
	// PortsFile is the port allocator's state file; <StateDir>/ports.json when empty. A
	// landscape shares one file between all its components.
	PortsFile string
	// PortsIndex is the machine-wide index of port state files (see ports.IndexDir);
	// ports.IndexDir() when empty.
	PortsIndex string
}

// Run runs the gardenlet with cfg, a decoded and defaulted configuration (see LoadConfig),
// and the default Options until ctx is cancelled. It logs to the logger in ctx.
func Run(ctx context.Context, cfg *Config) error {
	return RunWithOptions(ctx, cfg, Options{})
}

// RunWithOptions runs the gardenlet like Run, with opts.
func RunWithOptions(ctx context.Context, cfg *Config, opts Options) error {
	if err := ValidateConfig(cfg); err != nil {
		return err
	}
	gardenConfig, err := GardenRESTConfig(cfg)
	if err != nil {
		return err
	}
	seedConfig, err := SeedRESTConfig(cfg)
	if err != nil {
		return err
	}
	log := logf.FromContext(ctx)
	mgr, err := NewManager(gardenConfig, seedConfig, cfg, opts, log)
	if err != nil {
		return err
	}
	log.Info("Starting gardenlet", "seed", cfg.SeedConfig.Name)
	return mgr.Start(ctx)
}

// GardenRESTConfig is the client configuration for the garden: the kubeconfig of
// gardenClientConnection.kubeconfig, with its QPS, burst and content types.
func GardenRESTConfig(cfg *Config) (*rest.Config, error) {
	conn := cfg.GardenClientConnection
	if conn == nil || conn.Kubeconfig == "" {
		return nil, errors.New("gardenClientConnection.kubeconfig is required")
	}
	restConfig, err := clientcmd.BuildConfigFromFlags("", conn.Kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("loading the garden kubeconfig %s: %w", conn.Kubeconfig, err)
	}
	applyConnection(restConfig, conn.QPS, conn.Burst, conn.ContentType, conn.AcceptContentTypes)
	return restConfig, nil
}

// SeedRESTConfig is the client configuration for the seed cluster: the kubeconfig of
// seedClientConnection.kubeconfig or, when that is empty, the in-cluster configuration;
// with the QPS, burst and content types of seedClientConnection.
func SeedRESTConfig(cfg *Config) (*rest.Config, error) {
	conn := cfg.SeedClientConnection
	if conn == nil {
		conn = &gardenletconfigv1alpha1.SeedClientConnection{}
	}
	var (
		restConfig *rest.Config
		err        error
	)
	if conn.Kubeconfig != "" {
		restConfig, err = clientcmd.BuildConfigFromFlags("", conn.Kubeconfig)
	} else {
		restConfig, err = rest.InClusterConfig()
	}
	if err != nil {
		return nil, fmt.Errorf("loading the seed client configuration (seedClientConnection.kubeconfig, else in-cluster): %w", err)
	}
	applyConnection(restConfig, conn.QPS, conn.Burst, conn.ContentType, conn.AcceptContentTypes)
	return restConfig, nil
}

// SeedKubeconfig is seedClientConnection.kubeconfig with the files it refers to inlined,
// for the processes the gardenlet starts that reach the seed (a shoot's
// machine-controller-manager). It is nil for the in-cluster configuration.
func SeedKubeconfig(cfg *Config) ([]byte, error) {
	conn := cfg.SeedClientConnection
	if conn == nil || conn.Kubeconfig == "" {
		return nil, nil
	}
	kubeconfig, err := clientcmd.LoadFromFile(conn.Kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("loading the seed kubeconfig %s: %w", conn.Kubeconfig, err)
	}
	if err := clientcmdapi.FlattenConfig(kubeconfig); err != nil {
		return nil, fmt.Errorf("inlining the files of the seed kubeconfig %s: %w", conn.Kubeconfig, err)
	}
	return clientcmd.Write(*kubeconfig)
}

func applyConnection(restConfig *rest.Config, qps float32, burst int32, contentType, acceptContentTypes string) {
	if qps > 0 {
		restConfig.QPS = qps
	}
	if burst > 0 {
		restConfig.Burst = int(burst)
	}
	if contentType != "" {
		restConfig.ContentType = contentType
	}
	if acceptContentTypes != "" {
		restConfig.AcceptContentTypes = acceptContentTypes
	}
}

// CacheOptions returns the options of the garden cache of the gardenlet of seedName: it
// holds only the gardenlet's own Seed, the Shoots whose spec.seedName is the seed (a field
// selector, which the garden API server indexes), the seed's BackupBuckets, BackupEntries
// and ControllerInstallations, and its Lease.
func CacheOptions(seedName, leaseNamespace string) cache.Options {
	byName := fields.OneTermEqualSelector("metadata.name", seedName)
	bySeed := fields.OneTermEqualSelector("spec.seedName", seedName)
	bySeedRef := fields.OneTermEqualSelector("spec.seedRef.name", seedName)
	return cache.Options{
		DefaultTransform: cache.TransformStripManagedFields(),
		ByObject: map[client.Object]cache.ByObject{
			&gardencorev1beta1.Seed{}:                   {Field: byName},
			&gardencorev1beta1.Shoot{}:                  {Field: bySeed},
			&gardencorev1beta1.BackupBucket{}:           {Field: bySeed},
			&gardencorev1beta1.BackupEntry{}:            {Field: bySeed},
			&gardencorev1beta1.ControllerInstallation{}: {Field: bySeedRef},
			&coordinationv1.Lease{}:                     {Namespaces: map[string]cache.Config{leaseNamespace: {}}, Field: byName},
		},
	}
}

// seedCacheOptions returns the options of the gardenlet's cache of the seed cluster. Only
// the backupbucket and backupentry controllers use it, to watch the extension
// BackupBuckets and BackupEntries, so it holds informers of those two kinds only. They
// are made on demand rather than listed in ByObject, because the extension CRDs may not
// be installed yet when the gardenlet starts. Everything else in the seed is read
// directly.
func seedCacheOptions() cache.Options {
	return cache.Options{DefaultTransform: cache.TransformStripManagedFields()}
}

// NewManager returns a manager for the garden at gardenConfig, for the seed cluster at
// seedConfig, with the gardenlet's controllers, the health probes (/healthz, /readyz) and
// metrics (/metrics) servers of cfg.server, and leader election as cfg.leaderElection says
// (its lock lives in the seed cluster, as in Gardener).
func NewManager(gardenConfig, seedConfig *rest.Config, cfg *Config, opts Options, log logr.Logger) (manager.Manager, error) {
	seedName := cfg.SeedConfig.Name
	leaseNamespace := gardencorev1beta1.GardenerSeedLeaseNamespace
	mopts := manager.Options{
		Scheme:                 Scheme(),
		Logger:                 log,
		HealthProbeBindAddress: componentconfig.Address(cfg.Server.HealthProbes),
		Metrics:                metricsserver.Options{BindAddress: componentconfig.Address(cfg.Server.Metrics)},
		Cache:                  CacheOptions(seedName, leaseNamespace),
		// The objects a gardenlet writes in project namespaces are read directly: a cache
		// of them would watch every namespace of the garden.
		Client: client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{
			&corev1.ConfigMap{}, &corev1.Secret{}, &gardencorev1beta1.InternalSecret{},
		}}},
	}
	componentconfig.ApplyLeaderElection(&mopts, cfg.LeaderElection)
	if mopts.LeaderElection {
		mopts.LeaderElectionConfig = seedConfig
	}
	mgr, err := manager.New(gardenConfig, mopts)
	if err != nil {
		return nil, fmt.Errorf("creating the manager: %w", err)
	}

	seedClient, err := client.New(seedConfig, client.Options{Scheme: Scheme()})
	if err != nil {
		return nil, fmt.Errorf("creating the seed client: %w", err)
	}
	seedClientset, err := kubernetes.NewForConfig(seedConfig)
	if err != nil {
		return nil, fmt.Errorf("creating the seed client: %w", err)
	}
	seedREST := seedClientset.Discovery().RESTClient()
	// The cache of the seed cluster starts with the manager's caches; only the watches of
	// extension objects use it.
	seedCluster, err := cluster.New(seedConfig, func(o *cluster.Options) {
		o.Scheme = Scheme()
		o.Logger = log.WithName("seed-cluster")
		o.Cache = seedCacheOptions()
	})
	if err != nil {
		return nil, fmt.Errorf("creating the seed cluster's cache: %w", err)
	}
	if err := mgr.Add(seedCluster); err != nil {
		return nil, err
	}

	clk := opts.Clock
	if clk == nil {
		clk = clock.RealClock{}
	}
	seedReconciler := &seed.Reconciler{
		SeedClient:     seedClient,
		SeedRESTClient: seedREST,
		SeedConfig:     *cfg.SeedConfig,
		Resources:      cfg.Resources,
		Clock:          clk,
	}
	leaseReconciler := &lease.Reconciler{
		SeedRESTClient: seedREST,
		SeedName:       seedName,
		Namespace:      leaseNamespace,
		RenewPeriod:    opts.LeaseRenewPeriod,
		LeaseDuration:  opts.LeaseDuration,
		Clock:          clk,
	}
	identity := seed.NewIdentity()
	seedReconciler.Identity = identity
	shootMetrics, err := shoot.NewMetrics(crmetrics.Registry, mgr.GetCache())
	if err != nil {
		return nil, err
	}
	if opts.StateDir == "" {
		return nil, errors.New("the state directory for shoot control planes is not set (--state-dir)")
	}
	executors := &shoot.Executors{StateDir: opts.StateDir, BinDirs: opts.BinDirs, Logger: log.WithName("executor")}
	if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		<-ctx.Done()
		// The control planes keep running; the next gardenlet adopts them.
		return executors.Close()
	})); err != nil {
		return nil, err
	}
	seedKubeconfig, err := SeedKubeconfig(cfg)
	if err != nil {
		return nil, err
	}
	shootReconciler := &shoot.Reconciler{
		SeedKubeconfig: seedKubeconfig,
		SeedName:       seedName,
		SeedClient:     seedClient,
		Identity:       *identity,
		Executors:      executors,
		Ports:          ports.NewWithIndex(cmp.Or(opts.PortsFile, filepath.Join(opts.StateDir, "ports.json")), opts.PortsIndex),
		Metrics:        shootMetrics,
		Clock:          clk,
	}
	if c := cfg.Controllers; c != nil {
		if c.Seed != nil {
			seedReconciler.Config = *c.Seed
		}
		if c.Shoot != nil {
			shootReconciler.ConcurrentSyncs = ptr.Deref(c.Shoot.ConcurrentSyncs, 0)
			if c.Shoot.SyncPeriod != nil {
				shootReconciler.SyncPeriod = c.Shoot.SyncPeriod.Duration
			}
		}
	}
	if err := seedReconciler.AddToManager(mgr); err != nil {
		return nil, fmt.Errorf("adding the %s controller: %w", seed.ControllerName, err)
	}
	if err := leaseReconciler.AddToManager(mgr); err != nil {
		return nil, fmt.Errorf("adding the %s controller: %w", lease.ControllerName, err)
	}
	if err := shootReconciler.AddToManager(mgr); err != nil {
		return nil, fmt.Errorf("adding the %s controller: %w", shoot.ControllerName, err)
	}
	careReconciler := &care.Reconciler{SeedClient: seedClient, Executors: executors, SeedName: seedName, Clock: clk}
	if c := cfg.Controllers; c != nil && c.ShootCare != nil && c.ShootCare.SyncPeriod != nil {
		careReconciler.SyncPeriod = c.ShootCare.SyncPeriod.Duration
	}
	if err := careReconciler.AddToManager(mgr); err != nil {
		return nil, fmt.Errorf("adding the %s controller: %w", care.ControllerName, err)
	}
	bucketReconciler := &backupbucket.Reconciler{SeedClient: seedClient, SeedCache: seedCluster.GetCache(), SeedName: seedName, Clock: clk}
	if c := cfg.Controllers; c != nil && c.BackupBucket != nil {
		bucketReconciler.ConcurrentSyncs = ptr.Deref(c.BackupBucket.ConcurrentSyncs, 0)
	}
	if err := bucketReconciler.AddToManager(mgr); err != nil {
		return nil, fmt.Errorf("adding the %s controller: %w", backupbucket.ControllerName, err)
	}
	entryReconciler := &backupentry.Reconciler{SeedClient: seedClient, SeedCache: seedCluster.GetCache(), SeedName: seedName, Clock: clk}
	if c := cfg.Controllers; c != nil && c.BackupEntry != nil {
		entryReconciler.ConcurrentSyncs = ptr.Deref(c.BackupEntry.ConcurrentSyncs, 0)
	}
	if err := entryReconciler.AddToManager(mgr); err != nil {
		return nil, fmt.Errorf("adding the %s controller: %w", backupentry.ControllerName, err)
	}
	installationReconciler, err := newInstallationReconciler(mgr, seedConfig, seedClient, cfg, opts, log)
	if err != nil {
		return nil, err
	}
	installationReconciler.Clock = clk
	if err := installationReconciler.AddToManager(mgr); err != nil {
		return nil, fmt.Errorf("adding the %s controller: %w", controllerinstallation.ControllerName, err)
	}

	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddHealthzCheck("seed-lease", func(*http.Request) error {
		if !leaseReconciler.Healthy() {
			return errors.New("the last renewal of the seed lease failed")
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("informer-sync", componentconfig.CacheSynced(mgr.GetCache())); err != nil {
		return nil, err
	}
	return mgr, nil
}

// ExtensionsStateDir is the directory below the state directory where the process
// executor keeps the local processes of ControllerInstallations: a set
// extension-<registration> per installation.
const ExtensionsStateDir = "extensions"

// newInstallationReconciler returns the ControllerInstallation controller with a process
// executor for the extensions' Hortus-image Deployments under
// <StateDir>/ExtensionsStateDir. The executor closes with the manager and leaves the
// processes running for the next gardenlet to adopt.
func newInstallationReconciler(mgr manager.Manager, seedConfig *rest.Config, seedClient client.Client, cfg *Config, opts Options, log logr.Logger) (*controllerinstallation.Reconciler, error) {
	access := controllerinstallation.SeedAccess{Server: seedConfig.Host, CAData: seedConfig.CAData, Insecure: seedConfig.Insecure}
	if len(access.CAData) == 0 && seedConfig.CAFile != "" {
		ca, err := os.ReadFile(seedConfig.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading the CA of the seed client configuration: %w", err)
		}
		access.CAData = ca
	}
	stateDir := filepath.Join(opts.StateDir, ExtensionsStateDir)
	processes, err := process.New(process.Options{StateDir: stateDir, BinDirs: opts.BinDirs, Logger: log.WithName("extensions")})
	if err != nil {
		return nil, fmt.Errorf("creating the process executor of the extensions: %w", err)
	}
	if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		<-ctx.Done()
		return processes.Close()
	})); err != nil {
		return nil, err
	}
	return &controllerinstallation.Reconciler{
		SeedClient: seedClient,
		SeedName:   cfg.SeedConfig.Name,
		Identity: controllerinstallation.Identity{
			Version:      version.Get().GitVersion,
			FeatureGates: cfg.FeatureGates,
		},
		SeedAccess:      access,
		Processes:       processes,
		ProcessStateDir: stateDir,
	}, nil
}
