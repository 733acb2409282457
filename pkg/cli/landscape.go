package cli

import (
	"fmt"
	"time"

	"github.com/go-logr/zapr"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/hortus-dev/hortus/pkg/landscape"
)

// landscapeFlags are the flags that up, down and status share.
func landscapeFlags(f *pflag.FlagSet, o *landscape.Options) {
	f.StringVar(&o.StateDir, "state-dir", landscape.DefaultStateDir, "Directory with all of the landscape's state: PKI, etcd data, logs and kubeconfigs")
	f.StringVar(&o.BinDir, "bin-dir", "", "Directory with the kube binaries (kube-apiserver, …); default: the directory of this hortus binary")
}

// withHint appends what the user can do about err to its message.
func withHint(err error) error {
	if err == nil {
		return nil
	}
	if h := landscape.Hint(err); h != "" {
		return fmt.Errorf("%w\n  What to do: %s", err, h)
	}
	return err
}

func newUpCommand() *cobra.Command {
	var (
		o          landscape.Options
		foreground bool
	)
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Start the local landscape: a garden and its seeds, on this machine",
		Long: `Start a whole Hortus landscape on this machine, with no container engine and no root:

  garden   etcd, kube-apiserver, kube-controller-manager, hortus apiserver (aggregated,
           core.gardener.cloud), hortus controller-manager and hortus scheduler
  seeds    "local", whose seed cluster is the garden cluster itself, and with --seeds N
           also local-2 … local-N, each with a cluster of its own (etcd, kube-apiserver,
           kube-controller-manager);
           each seed has its gardenlet

Every component is a local process under a supervisor that restarts it when it crashes.
All state lives in --state-dir (.hortus by default): PKI, etcd data, logs and kubeconfigs.
It applies landscape/local: CloudProfile "local" (offering the Kubernetes versions built
into --bin-dir), Project "local" (namespace garden-local) with CredentialsBinding "local",
and the ControllerRegistration of provider-local.

'hortus up' starts the supervisor in the background, shows each step with its time, and
returns once every seed is Ready, printing what to do next. On a state directory that was
stopped it resumes with the same data; on one that runs it says so and starts nothing.
A step that fails stops what was started and names the component, with the tail of its log.
The gardenlets run the shoots' control planes as processes too, under
<state-dir>/seeds/<seed>/<shoot>/; after a stop they are started again with the landscape.`,
		Example: `  # Start (or resume) the landscape in .hortus.
  hortus up

  # With a second seed that has its own cluster.
  hortus up --seeds 2

  # Use it.
  export KUBECONFIG=.hortus/garden.kubeconfig
  kubectl get seeds,projects,cloudprofiles`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if foreground {
				zl, err := zap.NewProduction()
				if err != nil {
					return err
				}
				o.Logger = zapr.NewLogger(zl)
				return withHint(landscape.Serve(cmd.Context(), o))
			}
			return withHint(landscape.Up(cmd.Context(), o, cmd.OutOrStdout()))
		},
	}
	f := cmd.Flags()
	landscapeFlags(f, &o)
	f.IntVar(&o.Seeds, "seeds", 0, "Number of seeds (default: as the state directory was started, else 1)")
	f.DurationVar(&o.Timeout, "timeout", 5*time.Minute, "How long the landscape may take to become ready")
	f.Int64Var(&o.MinFreeDisk, "min-free-disk", 1<<30, "Free bytes the state directory's file system must have at start")
	f.BoolVar(&foreground, "foreground", false, "Run the supervisor in this process, logging to stderr, until SIGINT or SIGTERM (then stop the landscape); 'hortus up' runs it this way in the background")
	return cmd
}

func newDownCommand() *cobra.Command {
	var (
		o     landscape.Options
		purge bool
	)
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Stop the local landscape, keeping its data (--purge removes it)",
		Long: `Stop every process of the landscape gracefully: each seed (its gardenlet, and its own
cluster if it has one), then the shoot control planes the gardenlets run, then the garden.
The data stays in --state-dir for the next 'hortus up', unless --purge removes the state
directory.
It also stops what a killed supervisor left running.`,
		Example: `  hortus down
  hortus down --purge`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withHint(landscape.Down(cmd.Context(), o, purge, cmd.OutOrStdout()))
		},
	}
	landscapeFlags(cmd.Flags(), &o)
	cmd.Flags().BoolVar(&purge, "purge", false, "Also remove the state directory: PKI, etcd data, logs and kubeconfigs")
	return cmd
}

func newStatusCommand() *cobra.Command {
	var o landscape.Options
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the local landscape: each component and each seed",
		Long: `Show whether the landscape's supervisor runs; every component with its state, pid,
ports, uptime and restarts; and, when the garden answers, every seed with its state and
number of shoots.`,
		Example: `  hortus status`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withHint(landscape.Status(cmd.Context(), o, cmd.OutOrStdout()))
		},
	}
	landscapeFlags(cmd.Flags(), &o)
	return cmd
}
