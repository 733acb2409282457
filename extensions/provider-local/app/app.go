package app

import (
	"context"
	"errors"
	"fmt"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/hortus-dev/hortus/extensions/provider-local/controller"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller/backupbucket"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller/backupentry"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller/controlplane"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller/dnsrecord"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller/infrastructure"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller/network"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller/operatingsystemconfig"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller/worker"
)

// LeaderElectionID is the name of provider-local's leader election Lease.
const LeaderElectionID = "provider-local-leader-election"

// Options configure provider-local.
type Options struct {
	// BackupDir is the directory that holds the backup buckets; required.
	BackupDir string
	// MetricsBindAddress and HealthProbeBindAddress are the servers' addresses; "0" or
	// empty turns a server off.
	MetricsBindAddress, HealthProbeBindAddress string
	// LeaderElection turns leader election on, with a Lease in LeaderElectionNamespace.
	LeaderElection          bool
	LeaderElectionNamespace string
	// MaxConcurrentReconciles bounds the parallel reconciles of each controller; zero is one.
	MaxConcurrentReconciles int
	// Clock is the controllers' clock; nil is the real clock.
	Clock clock.Clock
}

// Validate reports every invalid option.
func (o Options) Validate() error {
	var errs []error
	if o.BackupDir == "" {
		errs = append(errs, errors.New("the backup directory is required: set --backup-dir to where backup buckets are kept"))
	}
	if o.MaxConcurrentReconciles < 0 {
		errs = append(errs, fmt.Errorf("--max-concurrent-reconciles must not be negative, got %d", o.MaxConcurrentReconciles))
	}
	if o.LeaderElection && o.LeaderElectionNamespace == "" {
		errs = append(errs, errors.New("leader election needs a namespace: set --leader-election-namespace"))
	}
	return errors.Join(errs...)
}

// Scheme returns a scheme with every type provider-local reads or writes:
// extensions.gardener.cloud/v1alpha1, core.gardener.cloud/v1beta1 (for the Cluster's
// contents), machine.sapcloud.io/v1alpha1, core/v1 and rbac/v1.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(corev1.AddToScheme(s))
	utilruntime.Must(rbacv1.AddToScheme(s))
	utilruntime.Must(extensionsv1alpha1.AddToScheme(s))
	utilruntime.Must(gardencorev1beta1.AddToScheme(s))
	utilruntime.Must(machinev1alpha1.AddToScheme(s))
	return s
}

// AddToManager registers every provider-local controller with mgr.
func AddToManager(mgr manager.Manager, o Options) error {
	c := mgr.GetClient()
	co := controller.Options{MaxConcurrentReconciles: o.MaxConcurrentReconciles, Clock: o.Clock}
	adders := []interface {
		AddToManager(manager.Manager, controller.Options) error
	}{
		&infrastructure.Actuator{Client: c},
		&controlplane.Actuator{Client: c},
		&network.Actuator{Client: c},
		&dnsrecord.Actuator{Client: c},
		&operatingsystemconfig.Actuator{Client: c},
		&worker.Actuator{Client: c},
		&backupbucket.Actuator{Client: c, Dir: o.BackupDir},
		&backupentry.Actuator{Client: c, Dir: o.BackupDir},
	}
	for _, a := range adders {
		if err := a.AddToManager(mgr, co); err != nil {
			return err
		}
	}
	return nil
}

// NewManager returns a manager on the seed cfg with every controller registered.
func NewManager(cfg *rest.Config, o Options) (manager.Manager, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	off := func(addr string) string {
		if addr == "" {
			return "0"
		}
		return addr
	}
	mgr, err := manager.New(cfg, manager.Options{
		Scheme: Scheme(),
		// Secrets and ConfigMaps are read from the API server: a seed has many, and the
		// controllers read back what they have just written.
		Client:                  client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}, &corev1.ConfigMap{}}}},
		Metrics:                 metricsserver.Options{BindAddress: off(o.MetricsBindAddress)},
		HealthProbeBindAddress:  off(o.HealthProbeBindAddress),
		LeaderElection:          o.LeaderElection,
		LeaderElectionID:        LeaderElectionID,
		LeaderElectionNamespace: o.LeaderElectionNamespace,
	})
	if err != nil {
		return nil, fmt.Errorf("creating the manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	if err := AddToManager(mgr, o); err != nil {
		return nil, err
	}
	return mgr, nil
}

// Run runs provider-local on the seed cfg until ctx is done.
func Run(ctx context.Context, cfg *rest.Config, o Options) error {
	mgr, err := NewManager(cfg, o)
	if err != nil {
		return err
	}
	logf.FromContext(ctx).Info("Starting provider-local", "backupDir", o.BackupDir, "leaderElection", o.LeaderElection)
	return mgr.Start(ctx)
}
