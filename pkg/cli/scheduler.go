package cli

import (
	"io"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	"go.uber.org/zap/zapcore"
	"k8s.io/klog/v2"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	crzap "sigs.k8s.io/controller-runtime/pkg/log/zap"

	schedulerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/scheduler/v1alpha1"

	"github.com/hortus-dev/hortus/pkg/scheduler"
)

func newSchedulerCommand() *cobra.Command {
	var configFile, kubeconfig string
	cmd := &cobra.Command{
		Use:   "scheduler",
		Short: "Run the garden scheduler, which assigns shoots to seeds",
		Long: `Run the garden scheduler. It watches the garden for Shoots without spec.seedName and
binds each one to a seed through the Shoot's binding subresource, like Gardener's
gardener-scheduler, whose configuration file it reads.

A seed can host a shoot if it is ready (condition GardenletReady True), visible and not
being deleted; matches the seed selectors of the shoot's CloudProfile or
NamespacedCloudProfile and of the shoot; has an allowed provider type (the shoot's own,
unless the cloud profile's seedSelector.providerTypes says otherwise); has only taints that
the shoot tolerates; has networks disjoint from the shoot's; has three zones if the shoot's
control plane tolerates zone failures; and has room left under status.allocatable.shoots.
Of those, the candidate determination strategy keeps the nearest:

  SameRegion       seeds of the shoot's provider type in the shoot's region (the default);
                   shoots with purpose "testing" fall back to any region.
  MinimalDistance  seeds in the regions nearest to the shoot's, by the distances of a region
                   ConfigMap in namespace garden (label
                   scheduling.gardener.cloud/purpose=region-config, annotation
                   scheduling.gardener.cloud/cloudprofiles listing the cloud profile), or
                   else by the longest common prefix of the region names.

The seed with the fewest shoots wins, ties going to the first name. When no seed fits, the
shoot gets a SchedulingFailed warning event naming each seed's reason, and the scheduler
retries with backoff of up to a minute.

--config is a SchedulerConfiguration (scheduler.config.gardener.cloud/v1alpha1); without it,
Gardener's defaults apply. Unlike Gardener, leader election is off unless
leaderElection.leaderElect is true. Health probes (/healthz, /readyz) and metrics listen on
server.healthProbes and server.metrics, by default 127.0.0.1:10251 and 127.0.0.1:19251.
Logs are JSON on stderr (logFormat text: console), at logLevel. The scheduler runs until it
gets SIGINT or SIGTERM.`,
		Example: `  # Against a local garden, with Gardener's defaults.
  hortus scheduler --kubeconfig garden.kubeconfig

  # With a configuration file.
  cat > scheduler.yaml <<EOF
  apiVersion: scheduler.config.gardener.cloud/v1alpha1
  kind: SchedulerConfiguration
  schedulers:
    shoot:
      candidateDeterminationStrategy: MinimalDistance
      concurrentSyncs: 5
  leaderElection:
    leaderElect: true
  EOF
  hortus scheduler --config scheduler.yaml --kubeconfig garden.kubeconfig`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := scheduler.DefaultConfig()
			if configFile != "" {
				var err error
				if cfg, err = scheduler.LoadConfigFile(configFile); err != nil {
					return err
				}
			}
			log := schedulerLogger(cfg, cmd.ErrOrStderr())
			logf.SetLogger(log)
			klog.SetLogger(log)
			ctx := logf.IntoContext(cmd.Context(), log.WithName("scheduler"))
			return scheduler.Run(ctx, scheduler.Options{Config: cfg, Kubeconfig: kubeconfig})
		},
	}
	f := cmd.Flags()
	f.StringVar(&configFile, "config", "", "Path to a SchedulerConfiguration file (default: Gardener's defaults)")
	f.StringVar(&kubeconfig, "kubeconfig", "", "Path to a kubeconfig for the garden; overrides clientConnection.kubeconfig (default: in-cluster, then $KUBECONFIG or ~/.kube/config)")
	return cmd
}

// schedulerLogger returns controller-runtime's zap logger at cfg's level and in its format.
func schedulerLogger(cfg *schedulerconfigv1alpha1.SchedulerConfiguration, w io.Writer) logr.Logger {
	level := zapcore.InfoLevel
	switch cfg.LogLevel {
	case "debug":
		level = zapcore.DebugLevel
	case "error":
		level = zapcore.ErrorLevel
	}
	encoder := crzap.JSONEncoder()
	if cfg.LogFormat == "text" {
		encoder = crzap.ConsoleEncoder()
	}
	return crzap.New(crzap.WriteTo(w), crzap.Level(level), encoder)
}
