package cli

import (
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/hortus-dev/hortus/pkg/componentconfig"
	"github.com/hortus-dev/hortus/pkg/controllermanager"
)

func newControllerManagerCommand() *cobra.Command {
	var configFile, kubeconfig string
	cmd := &cobra.Command{
		Use:   "controller-manager",
		Short: "Run the Hortus controller manager, which runs the garden's controllers",
		Long: `Run the Hortus controller manager: the controllers of the garden, in one process, as
Gardener's gardener-controller-manager runs them. It works on the garden kube-apiserver, which
serves Kubernetes' own API and, through aggregation, the Hortus API server's
core.gardener.cloud: one connection reaches both.

Controllers:
  project   gives every Project its namespace (spec.namespace, or garden-<name>-<hash>
            written back to spec.namespace) labelled gardener.cloud/role=project and
            project.gardener.cloud/name=<name>; an existing namespace is adopted only when
            it carries these labels already, and is then kept when the project goes.
            Grants the owner and members their roles (owner, admin, viewer, uam,
            serviceaccountmanager, extension:<name>) by RoleBindings of the shared
            ClusterRoles gardener.cloud:system:project-member, -viewer and
            -serviceaccountmanager (which it keeps, with their aggregated rules) and by
            ClusterRoles and ClusterRoleBindings on the Project itself
            (gardener.cloud:system:project:<name>, -member:<name>, -viewer:<name>,
            -uam:<name>). Reports status.phase Pending, Ready, Failed or Terminating. On
            deletion it waits until the namespace holds no Shoot, then deletes the namespace
            and the project's RBAC and lets the Project go.
  seed-extensions-check
            sets each Seed's ExtensionsReady condition from the ControllerInstallations whose
            spec.seedRef names it: True (AllExtensionsReady) when every one has Valid,
            Installed and Healthy True and Progressing False, or there are none; otherwise
            False, naming each installation that is not ready with its failing conditions
            (reason NotAllExtensionsValid, NotAllExtensionsInstalled, NotAllExtensionsHealthy
            or SomeExtensionsProgressing, the most severe first). With an ExtensionsReady
            entry in conditionThresholds, a True condition is Progressing for that long
            before it turns False. Checks every seed again each syncPeriod.

The configuration file (--config) is Gardener's ControllerManagerConfiguration
(controllermanager.config.gardener.cloud/v1alpha1); unknown fields are errors. Gardener's
defaults apply, except that leader election is off unless leaderElection.leaderElect is
true, and that the health and metrics servers listen on 127.0.0.1 unless a bindAddress is
given. Without --config, the defaults alone apply. Sections of the configuration for
controllers that Hortus does not have yet are accepted and ignored.

The identity it uses needs, in the garden: to read, watch, patch and update Projects and
projects/status, to read and watch Shoots, Seeds and ControllerInstallations, and to patch
seeds/status (core.gardener.cloud); all verbs on Namespaces, ResourceQuotas, RoleBindings,
ClusterRoles and ClusterRoleBindings, with "escalate" and "bind" on ClusterRoles (the roles
it writes grant rights it need not hold itself); to create Events; and Leases in the leader
election namespace when leader election is on.

The sample configuration, with the settings Hortus uses:

` + indent(controllermanager.SampleConfig, "  ") + `
The controller manager runs until it gets SIGINT or SIGTERM.`,
		Example: `  # Against the garden of a local landscape, with the defaults.
  hortus controller-manager --kubeconfig .hortus/garden.kubeconfig

  # With a configuration file.
  hortus controller-manager --config /etc/hortus/controller-manager.yaml

  # Probe it.
  curl http://127.0.0.1:2718/readyz`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var (
				cfg *controllermanager.Config
				err error
			)
			if configFile != "" {
				cfg, err = controllermanager.LoadConfig(configFile)
			} else {
				cfg, err = controllermanager.DecodeConfig([]byte("apiVersion: controllermanager.config.gardener.cloud/v1alpha1\nkind: ControllerManagerConfiguration\n"))
			}
			if err != nil {
				return err
			}
			if kubeconfig != "" {
				cfg.GardenClientConnection.Kubeconfig = kubeconfig
			}
			log, err := componentconfig.NewLogger(cfg.LogLevel, cfg.LogFormat, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			logf.SetLogger(log)
			klog.SetLogger(log)
			return controllermanager.Run(logf.IntoContext(cmd.Context(), log), cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&configFile, "config", "", "ControllerManagerConfiguration file (controllermanager.config.gardener.cloud/v1alpha1)")
	f.StringVar(&kubeconfig, "kubeconfig", "", "Kubeconfig of the garden kube-apiserver; overrides gardenClientConnection.kubeconfig")
	return cmd
}

// indent prefixes every non-empty line of s with prefix.
func indent(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}
