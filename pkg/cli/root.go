package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/hortus-dev/hortus/pkg/cli/etcdcmd"
)

// NewRootCommand returns the hortus command with every subcommand registered.
func NewRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "hortus",
		Short: "Hortus: Kubernetes control planes as a service, speaking Gardener's API",
		Long: `Hortus runs Kubernetes control planes as a service. A garden cluster holds tenants'
Shoot specs (Gardener's core.gardener.cloud/v1beta1 API); seeds host each shoot's
control plane. This one binary holds every Hortus component; pick one with a subcommand.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newVersionCommand(),
		etcdcmd.New(),
		newAPIServerCommand(),
		newControllerManagerCommand(),
		newSchedulerCommand(),
		newGardenletCommand(),
		newUpCommand(),
		newDownCommand(),
		newStatusCommand(),
		newKubeconfigCommand(),
		newBackupCommand(),
		newProviderLocalCommand(),
		newMachineControllerManagerCommand(),
		newSimulatedNodeCommand(),
	)
	return root
}

// Main runs the command tree with a context that is cancelled on SIGINT or SIGTERM, and
// returns the process exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := NewRootCommand().ExecuteContext(ctx); err != nil {
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			fmt.Fprintln(os.Stderr, "Interrupted.")
			return 130
		}
		fmt.Fprintln(os.Stderr, "Error:", err)
		return 1
	}
	return 0
}
