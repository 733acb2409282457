package cli

import (
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/hortus-dev/hortus/extensions/provider-local/app"
	"github.com/hortus-dev/hortus/pkg/componentconfig"
)

func newProviderLocalCommand() *cobra.Command {
	var (
		kubeconfig, logLevel, logFormat string
		o                               = app.Options{LeaderElectionNamespace: "garden"}
	)
	cmd := &cobra.Command{
		Use:   "provider-local",
		Short: "Run provider-local, the extension of provider type local, on a seed",
		Long: `Run provider-local on a seed cluster: the controllers of Gardener's extension resources
(extensions.gardener.cloud/v1alpha1) whose spec.type is "local". They act on the objects the
gardenlet writes into a shoot's seed namespace (shoot--<project>--<name>), next to the
Cluster of the same name.

Machines of provider local are simulated nodes: processes on the seed's host that register
a Node, report the pods bound to it as running, and run no containers. There is no cloud
behind it.

  Infrastructure         creates nothing; records the node network (spec.networking.nodes,
                         default 10.250.0.0/16) in status.nodesCIDR and providerStatus.
  ControlPlane           deploys nothing; records whether the shoot's kube-apiserver answers
                         through the kubeconfig in the Secret gardener.
  Network                deploys no CNI (simulated nodes run no pods); records the pod and
                         service networks.
  DNSRecord              keeps the record in the ConfigMap dnsrecord-<name> of its namespace.
  OperatingSystemConfig  renders the #cloud-config user data of a worker pool into the Secret
                         osc-result-<name>: a bootstrap kubeconfig with a bootstrap token it
                         creates in the shoot's kube-system (valid 24h, renewed at a reconcile
                         once less than half remains), the cluster CA and the kubelet
                         configuration; it also creates the ClusterRoleBindings in the shoot
                         that let nodes bootstrap.
  Worker                 per pool and zone, a MachineClass (provider local) with a Secret of
                         the pool's user data and a MachineDeployment for
                         machine-controller-manager; it succeeds once every machine is
                         updated and available.
  BackupBucket           the directory <backup-dir>/<bucket>; deleting it fails while entries
                         are left.
  BackupEntry            the directory <backup-dir>/<bucket>/<entry>, where etcd snapshots go;
                         deleting it removes the snapshots.

It talks to the seed through --kubeconfig, else $KUBECONFIG, else the in-cluster
configuration. It runs until it gets SIGINT or SIGTERM.`,
		Example: `  # On the seed of a local landscape.
  hortus provider-local --kubeconfig .hortus/seed.kubeconfig --backup-dir .hortus/backups`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			log, err := componentconfig.NewLogger(logLevel, logFormat, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			logf.SetLogger(log)
			klog.SetLogger(log)
			rules := clientcmd.NewDefaultClientConfigLoadingRules()
			rules.ExplicitPath = kubeconfig
			cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
			if err != nil {
				return fmt.Errorf("loading the seed's kubeconfig: %w; set --kubeconfig or KUBECONFIG", err)
			}
			return app.Run(logf.IntoContext(cmd.Context(), log), cfg, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeconfig, "kubeconfig", "", "Kubeconfig of the seed cluster (default: $KUBECONFIG, else the in-cluster configuration)")
	f.StringVar(&o.BackupDir, "backup-dir", "", "Directory that holds the backup buckets, one directory each; required")
	f.StringVar(&o.MetricsBindAddress, "metrics-bind-address", "0", "Address of the metrics server, such as 127.0.0.1:8080; 0 turns it off")
	f.StringVar(&o.HealthProbeBindAddress, "health-probe-bind-address", "0", "Address of the /healthz and /readyz server, such as 127.0.0.1:8081; 0 turns it off")
	f.BoolVar(&o.LeaderElection, "leader-elect", false, "Elect a leader with a Lease in the seed, so that only one replica acts")
	f.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", o.LeaderElectionNamespace, "Namespace of the leader election Lease")
	f.IntVar(&o.MaxConcurrentReconciles, "max-concurrent-reconciles", 5, "How many objects of each kind are reconciled at once")
	f.StringVar(&logLevel, "log-level", "info", "Log level: debug, info or error")
	f.StringVar(&logFormat, "log-format", "json", "Log format: json or text")
	return cmd
}
