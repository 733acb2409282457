package cli

import (
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/hortus-dev/hortus/extensions/provider-local/mcm"
	"github.com/hortus-dev/hortus/pkg/componentconfig"
)

func newMachineControllerManagerCommand() *cobra.Command {
	const mcmDefault = "machine-controller-manager's cloud default"
	var (
		o                   mcm.Options
		logLevel, logFormat string
	)
	cmd := &cobra.Command{
		Use:   "machine-controller-manager",
		Short: "Run machine-controller-manager for provider-local, whose machines are simulated",
		Long: `Run Gardener's machine-controller-manager (MCM) for one shoot of provider-local, as the
gardenlet runs it in the shoot's seed namespace. One process holds MCM's MachineDeployment,
MachineSet and safety controllers and its machine controller with provider-local's driver.

The machines are SIMULATED: no VM is created. For each Machine the driver starts a local
process, "hortus simulated-node", below --machines-dir/<machine>/node/, with the machine's
user data (from the MachineClass's Secret, key userData, with MCM's bootstrap token filled
in) as a file there. The simulated node joins the shoot and registers a Node named after the
machine with provider ID local:///<namespace>/<machine> and the capacity of the
MachineClass's providerSpec, but runs no containers. Deleting a machine stops the process
and removes its directory. The processes outlive this command; when it starts again it
finds them in --machines-dir.

It watches Machines, MachineSets, MachineDeployments, MachineClasses and Secrets in
--namespace of the control cluster (the seed, which needs machine-controller-manager's
machine.sapcloud.io CRDs; the gardenlet installs them), and Nodes of the target cluster (the
shoot), where it also creates the machines' bootstrap token Secrets in kube-system. It waits
for both clusters at start. Leader election is off: run one per namespace.

The timeouts suit a local landscape, where a simulated node joins within seconds and has no
real workloads to drain:` + fmt.Sprintf(`
  machine creation timeout  %-8s (%s: 20m)
  machine health timeout    %-8s (%s: 10m)
  machine drain timeout     %-8s (%s: 2h)`,
			mcm.DefaultMachineCreationTimeout, mcmDefault,
			mcm.DefaultMachineHealthTimeout, mcmDefault,
			mcm.DefaultMachineDrainTimeout, mcmDefault) + `

It runs until it gets SIGINT or SIGTERM.`,
		Example: `  # For the shoot in namespace shoot--dev--local of the seed.
  hortus machine-controller-manager \
    --control-kubeconfig .hortus/seed.kubeconfig \
    --target-kubeconfig shoot.kubeconfig \
    --namespace shoot--dev--local \
    --machines-dir .hortus/machines/shoot--dev--local`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := componentconfig.NewLogger(logLevel, logFormat, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			logf.SetLogger(log)
			klog.SetLogger(log.WithName("mcm"))
			return mcm.Run(cmd.Context(), log, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.ControlKubeconfig, "control-kubeconfig", "", "Kubeconfig of the control cluster (the seed), which holds the Machine objects (required)")
	f.StringVar(&o.TargetKubeconfig, "target-kubeconfig", "", "Kubeconfig of the target cluster (the shoot), where the machines' Nodes register (required)")
	f.StringVar(&o.Namespace, "namespace", "", "Namespace of the control cluster to work in: the shoot's seed namespace (required)")
	f.StringVar(&o.MachinesDir, "machines-dir", "", "Directory of the simulated machines' processes, one directory per machine (required)")
	f.StringVar(&o.NodeBinary, "node-binary", "", `The hortus binary that runs "hortus simulated-node" for each machine (default: this executable)`)
	f.DurationVar(&o.MachineCreationTimeout, "machine-creation-timeout", mcm.DefaultMachineCreationTimeout, "How long a new machine may take to register a Ready node before it is replaced")
	f.DurationVar(&o.MachineHealthTimeout, "machine-health-timeout", mcm.DefaultMachineHealthTimeout, "How long a machine's node may be unhealthy before the machine is replaced")
	f.DurationVar(&o.MachineDrainTimeout, "machine-drain-timeout", mcm.DefaultMachineDrainTimeout, "How long the drain before a machine's deletion may take; then the machine is deleted anyway")
	f.Int32Var(&o.MaxEvictRetries, "machine-max-evict-retries", mcm.DefaultMaxEvictRetries, "How often a pod's eviction is tried during a drain before the pod is deleted")
	f.DurationVar(&o.OrphanMachinesPeriod, "machine-safety-orphan-vms-period", mcm.DefaultOrphanMachinesPeriod, "How often to look for simulated machines without a Machine object, and delete them")
	f.IntVar(&o.ConcurrentSyncs, "concurrent-syncs", mcm.DefaultConcurrentSyncs, "Workers per controller queue")
	f.StringVar(&o.BootstrapTokenAuthExtraGroups, "bootstrap-token-auth-extra-groups", "", "Comma-separated extra groups of the bootstrap tokens that go into the machines' user data")
	f.StringVar(&o.HealthBindAddress, "health-bind-address", "", "Address for /healthz and /metrics, such as 127.0.0.1:10258; empty serves neither")
	f.StringVar(&logLevel, "log-level", "info", "Log level: debug, info or error")
	f.StringVar(&logFormat, "log-format", "json", "Log format: json or text")
	for _, name := range []string{"control-kubeconfig", "target-kubeconfig", "namespace", "machines-dir"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}
