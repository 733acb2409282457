package controllermanager

import (
	"context"
	"fmt"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/hortus-dev/hortus/pkg/componentconfig"
	"github.com/hortus-dev/hortus/pkg/controllermanager/controller/controllerregistration"
	"github.com/hortus-dev/hortus/pkg/controllermanager/controller/project"
	"github.com/hortus-dev/hortus/pkg/controllermanager/controller/referenceprotection"
	"github.com/hortus-dev/hortus/pkg/controllermanager/controller/seedextensionscheck"
	"github.com/hortus-dev/hortus/pkg/controllermanager/controller/seedlifecycle"
	"github.com/hortus-dev/hortus/pkg/controllermanager/controller/shoothibernation"
	"github.com/hortus-dev/hortus/pkg/controllermanager/controller/shootmaintenance"
	"github.com/hortus-dev/hortus/pkg/controllermanager/controller/shootquota"
	"github.com/hortus-dev/hortus/pkg/controllermanager/controller/shootstatuslabel"
)

// Scheme is the scheme of the controller manager's client: the Kubernetes API, Gardener's
// core.gardener.cloud/v1beta1 and security.gardener.cloud/v1alpha1.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(gardencorev1beta1.AddToScheme(s))
	utilruntime.Must(securityv1alpha1.AddToScheme(s))
	return s
}

// controllerSpec is one controller of the controller manager.
type controllerSpec struct {
	name string
	// enabled reports whether the configuration asks for the controller.
	enabled func(cfg *Config) bool
	// add adds the controller to the manager.
	add func(mgr manager.Manager, cfg *Config) error
}

// controllers are the controllers of the controller manager. A controller runs when its
// section of controllers in the configuration is set, which Gardener's defaults do for
// every controller that is on by default.
var controllers = []controllerSpec{
	{
		name:    project.ControllerName,
		enabled: func(cfg *Config) bool { return cfg.Controllers.Project != nil },
		add: func(mgr manager.Manager, cfg *Config) error {
			return (&project.Reconciler{Config: *cfg.Controllers.Project}).AddToManager(mgr)
		},
	},
	{
		name:    shoothibernation.ControllerName,
		enabled: func(*Config) bool { return true },
		add: func(mgr manager.Manager, cfg *Config) error {
			return (&shoothibernation.Reconciler{Config: cfg.Controllers.ShootHibernation}).AddToManager(mgr)
		},
	},
	{
		name:    shootmaintenance.ControllerName,
		enabled: func(*Config) bool { return true },
		add: func(mgr manager.Manager, cfg *Config) error {
			return (&shootmaintenance.Reconciler{Config: cfg.Controllers.ShootMaintenance}).AddToManager(mgr)
		},
	},
	{
		name:    seedlifecycle.ControllerName,
		enabled: func(cfg *Config) bool { return cfg.Controllers.Seed != nil },
		add: func(mgr manager.Manager, cfg *Config) error {
			return (&seedlifecycle.Reconciler{Config: *cfg.Controllers.Seed}).AddToManager(mgr)
		},
	},
	{
		name:    seedextensionscheck.ControllerName,
		enabled: func(cfg *Config) bool { return cfg.Controllers.SeedExtensionsCheck != nil },
		add: func(mgr manager.Manager, cfg *Config) error {
			return (&seedextensionscheck.Reconciler{Config: *cfg.Controllers.SeedExtensionsCheck}).AddToManager(mgr)
		},
	},
	{
		name:    shootstatuslabel.ControllerName,
		enabled: func(cfg *Config) bool { return cfg.Controllers.ShootStatusLabel != nil },
		add: func(mgr manager.Manager, cfg *Config) error {
			return (&shootstatuslabel.Reconciler{Config: *cfg.Controllers.ShootStatusLabel}).AddToManager(mgr)
		},
	},
	{
		name:    controllerregistration.ControllerName,
		enabled: func(cfg *Config) bool { return cfg.Controllers.ControllerRegistration != nil },
		add: func(mgr manager.Manager, cfg *Config) error {
			return (&controllerregistration.Reconciler{Config: *cfg.Controllers.ControllerRegistration}).AddToManager(mgr)
		},
	},
	{
		name:    shootquota.ControllerName,
		enabled: func(cfg *Config) bool { return cfg.Controllers.ShootQuota != nil },
		add: func(mgr manager.Manager, cfg *Config) error {
			return (&shootquota.Reconciler{Config: *cfg.Controllers.ShootQuota}).AddToManager(mgr)
		},
	},
	{
		name:    "reference-protection",
		enabled: func(*Config) bool { return true },
		add: func(mgr manager.Manager, cfg *Config) error {
			return referenceprotection.AddAllToManager(mgr, cfg.Controllers)
		},
	},
}

// Run runs the controller manager with cfg, a decoded and defaulted configuration (see
// LoadConfig), until ctx is cancelled. It logs to the logger in ctx.
func Run(ctx context.Context, cfg *Config) error {
	restConfig, err := RESTConfig(cfg)
	if err != nil {
		return err
	}
	mgr, err := NewManager(restConfig, cfg, logf.FromContext(ctx))
	if err != nil {
		return err
	}
	logf.FromContext(ctx).Info("Starting controller manager")
	return mgr.Start(ctx)
}

// RESTConfig is the client configuration for the garden: the kubeconfig of
// gardenClientConnection.kubeconfig or, when that is empty, $KUBECONFIG or ~/.kube/config,
// else the in-cluster configuration; with the QPS, burst and content types of
// gardenClientConnection.
func RESTConfig(cfg *Config) (*rest.Config, error) {
	conn := cfg.GardenClientConnection
	var (
		restConfig *rest.Config
		err        error
	)
	if conn.Kubeconfig != "" {
		restConfig, err = clientcmd.BuildConfigFromFlags("", conn.Kubeconfig)
	} else {
		restConfig, err = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
			clientcmd.NewDefaultClientConfigLoadingRules(), &clientcmd.ConfigOverrides{}).ClientConfig()
	}
	if err != nil {
		return nil, fmt.Errorf("loading the garden client configuration: %w", err)
	}
	restConfig.QPS = conn.QPS
	restConfig.Burst = int(conn.Burst)
	if conn.ContentType != "" {
		restConfig.ContentType = conn.ContentType
	}
	if conn.AcceptContentTypes != "" {
		restConfig.AcceptContentTypes = conn.AcceptContentTypes
	}
	return restConfig, nil
}

// NewManager returns a manager for the garden at restConfig with the controllers that cfg
// enables, the health probes (/healthz, /readyz) and metrics (/metrics) servers of
// cfg.server, and leader election as cfg.leaderElection says.
func NewManager(restConfig *rest.Config, cfg *Config, log logr.Logger) (manager.Manager, error) {
	opts := manager.Options{
		Scheme:                 Scheme(),
		Logger:                 log,
		HealthProbeBindAddress: componentconfig.Address(cfg.Server.HealthProbes),
		Metrics:                metricsserver.Options{BindAddress: componentconfig.Address(cfg.Server.Metrics)},
		Cache:                  cache.Options{DefaultTransform: cache.TransformStripManagedFields()},
	}
	componentconfig.ApplyLeaderElection(&opts, cfg.LeaderElection)
	mgr, err := manager.New(restConfig, opts)
	if err != nil {
		return nil, fmt.Errorf("creating the manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("informer-sync", componentconfig.CacheSynced(mgr.GetCache())); err != nil {
		return nil, err
	}
	for _, c := range controllers {
		if !c.enabled(cfg) {
			log.Info("Controller is disabled", "controller", c.name)
			continue
		}
		if err := c.add(mgr, cfg); err != nil {
			return nil, fmt.Errorf("adding the %s controller: %w", c.name, err)
		}
	}
	return mgr, nil
}
