package scheduler

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	schedulerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/scheduler/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"

	"github.com/hortus-dev/hortus/pkg/componentconfig"
	"github.com/hortus-dev/hortus/pkg/scheduler/controller"
)

// Options configures Run.
type Options struct {
	// Config is the scheduler's configuration, as LoadConfigFile returns it.
	Config *schedulerconfigv1alpha1.SchedulerConfiguration
	// Kubeconfig is the path of a kubeconfig for the garden. It overrides
	// Config.ClientConnection.Kubeconfig; if both are empty, Run uses the in-cluster
	// configuration, or else $KUBECONFIG or ~/.kube/config.
	Kubeconfig string
}

// Run schedules the garden's shoots until ctx ends. It logs to the logger in ctx.
func Run(ctx context.Context, opts Options) error {
	cfg := opts.Config
	if cfg == nil {
		return errors.New("no scheduler configuration")
	}
	restConfig, err := RESTConfig(cfg.ClientConnection, opts.Kubeconfig)
	if err != nil {
		return err
	}
	mgrOpts, err := ManagerOptions(cfg)
	if err != nil {
		return err
	}
	mgrOpts.Logger = logf.FromContext(ctx)
	mgr, err := manager.New(restConfig, mgrOpts)
	if err != nil {
		return fmt.Errorf("creating the manager: %w", err)
	}

	scheduler := &controller.ShootScheduler{Config: cfg.Schedulers.Shoot}
	if err := scheduler.AddToManager(mgr); err != nil {
		return fmt.Errorf("adding the shoot scheduler: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("informers", componentconfig.CacheSynced(mgr.GetCache())); err != nil {
		return err
	}

	logf.FromContext(ctx).Info("Starting scheduler", "strategy", cfg.Schedulers.Shoot.Strategy, "leaderElection", mgrOpts.LeaderElection,
		"healthProbeAddress", mgrOpts.HealthProbeBindAddress, "metricsAddress", mgrOpts.Metrics.BindAddress)
	if err := mgr.Start(ctx); err != nil {
		return fmt.Errorf("running the manager: %w", err)
	}
	return nil
}

// NewScheme returns the scheme of the scheduler's clients: client-go's types and Gardener's
// core.gardener.cloud/v1beta1.
func NewScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := gardencorev1beta1.AddToScheme(s); err != nil {
		return nil, err
	}
	return s, nil
}

// ManagerOptions maps cfg to the options of the scheduler's manager: the health probe and
// metrics servers on cfg.Server's addresses (loopback unless a bind address is set), leader
// election as configured, and a cache that holds only the region ConfigMaps.
func ManagerOptions(cfg *schedulerconfigv1alpha1.SchedulerConfiguration) (manager.Options, error) {
	scheme, err := NewScheme()
	if err != nil {
		return manager.Options{}, err
	}
	opts := manager.Options{
		Scheme:                 scheme,
		HealthProbeBindAddress: componentconfig.Address(cfg.Server.HealthProbes),
		Metrics:                metricsserver.Options{BindAddress: componentconfig.Address(cfg.Server.Metrics)},
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{
			&corev1.ConfigMap{}: {
				Namespaces: map[string]cache.Config{v1beta1constants.GardenNamespace: {}},
				Label:      labels.SelectorFromSet(labels.Set{v1beta1constants.SchedulingPurpose: v1beta1constants.SchedulingPurposeRegionConfig}),
			},
		}},
	}
	componentconfig.ApplyLeaderElection(&opts, cfg.LeaderElection)
	return opts, nil
}

// RESTConfig returns the client configuration for the garden: from kubeconfig, else from
// cc.Kubeconfig, else in-cluster, else from $KUBECONFIG or ~/.kube/config; with cc's rate
// limits and content types.
func RESTConfig(cc componentbaseconfigv1alpha1.ClientConnectionConfiguration, kubeconfig string) (*rest.Config, error) {
	if kubeconfig == "" {
		kubeconfig = cc.Kubeconfig
	}
	var (
		cfg *rest.Config
		err error
	)
	switch {
	case kubeconfig != "":
		cfg, err = clientcmd.BuildConfigFromFlags("", kubeconfig)
	default:
		cfg, err = rest.InClusterConfig()
		if errors.Is(err, rest.ErrNotInCluster) {
			cfg, err = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(clientcmd.NewDefaultClientConfigLoadingRules(), nil).ClientConfig()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("loading the garden's client configuration: %w", err)
	}
	cfg.QPS, cfg.Burst = cc.QPS, int(cc.Burst)
	cfg.ContentType, cfg.AcceptContentTypes = cc.ContentType, cc.AcceptContentTypes
	return cfg, nil
}
