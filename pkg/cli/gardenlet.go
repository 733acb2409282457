package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/hortus-dev/hortus/pkg/componentconfig"
	"github.com/hortus-dev/hortus/pkg/gardenlet"
	"github.com/hortus-dev/hortus/pkg/ports"
)

func newGardenletCommand() *cobra.Command {
	var (
		configFile, kubeconfig, seedKubeconfig        string
		executorName, stateDir, portsFile, portsIndex string
		binDirs                                       []string
	)
	cmd := &cobra.Command{
		Use:   "gardenlet",
		Short: "Run the gardenlet of a seed: register it in the garden and report on it",
		Long: `Run the gardenlet of one seed, the seed part of Gardener's gardenlet. It talks to the garden
kube-apiserver (which serves core.gardener.cloud through the Hortus API server) with the
gardenlet's own identity, and to the seed cluster.

What it does:
  seed      registers the Seed of seedConfig (creates it, or merges seedConfig's labels and
            annotations into it and replaces its spec: the gardenlet owns the spec) and, at
            start and every controllers.seed.syncPeriod, reports its status:
            status.gardener, observedGeneration, clusterIdentity (the ConfigMap
            kube-system/cluster-identity of the seed cluster, else the UID of namespace
            kube-system), kubernetesVersion (the seed cluster's /version),
            capacity.shoots and allocatable.shoots (resources.capacity.shoots less
            resources.reserved.shoots), and the conditions GardenletReady,
            SeedSystemComponentsHealthy (the seed cluster's /readyz answers and its namespace
            garden, which the gardenlet creates, exists) and, when spec.backup is set,
            BackupBucketsReady (from the BackupBucket the gardenlet keeps for the seed,
            named after the Seed's UID). It sets no ExtensionsReady: the controller manager
            does.
  lease     renews the Lease <seed> in namespace gardener-system-seed-lease of the garden
            every 10s while the seed cluster's /healthz answers (creating the namespace if
            it is missing and the gardenlet may), and sets GardenletReady back to True when
            the controller manager marked it Unknown.
  shoot     watches the Shoots whose spec.seedName is the seed (a field selector: it never
            sees other seeds' Shoots) and runs their operations as flows of named tasks:
            create/reconcile (namespace shoot--<project>--<name> and Cluster resource in the
            seed, PKI as Secrets there, then etcd, kube-apiserver, kube-controller-manager and
            kube-scheduler through the executor, the CAs published to the garden as
            InternalSecret <shoot>.ca-client and ConfigMap <shoot>.ca-cluster), hibernation
            (stops the processes, keeps data and PKI), wake-up and deletion (everything goes,
            then the finalizer). It reports status.lastOperation with progress and the
            running tasks, lastErrors with the failed task, technicalID, observedGeneration,
            hibernated and advertisedAddresses, and Events per phase. An Error is retried
            with back-off; after 15 minutes of failures the operation is Failed until the
            spec changes or gardener.cloud/operation=retry is set.
  shoot-care
            every controllers.shootCare.syncPeriod (Gardener's default 1m; 30s locally): APIServerAvailable (the shoot's
            /readyz), ControlPlaneHealthy (every process runs and is ready), and for shoots
            with workers EveryNodeReady and SystemComponentsHealthy.
  controllerinstallation
            reports the conditions of the seed's ControllerInstallations.
  backupbucket, backupentry
            turn the seed's BackupBuckets and the BackupEntries of its shoots into
            extensions.gardener.cloud objects of the same name in the seed (their
            credentials copied to namespace garden there as bucket-<name> and
            entry-<name>), ask the backup extension to reconcile them and report its
            outcome in the garden objects' status; a bucket's generated Secret is copied
            to the garden as garden/generated-bucket-<name>. Finalizer: gardener.

The configuration file (--config, required) is Gardener's GardenletConfiguration
(gardenlet.config.gardener.cloud/v1alpha1); unknown fields are errors. Gardener's defaults
apply, except that leader election is off unless leaderElection.leaderElect is true, and
that the health and metrics servers listen on 127.0.0.1 unless a bindAddress is given.
Fields it acts on:
  gardenClientConnection.kubeconfig, .qps, .burst   the garden (required)
  seedClientConnection.kubeconfig, .qps, .burst     the seed cluster; empty: in-cluster
  seedConfig.metadata.name, .labels, .annotations, seedConfig.spec
                                                    the Seed (name and a valid spec required)
  resources.capacity.shoots, resources.reserved.shoots
  controllers.seed.syncPeriod                       status reports (default 1m)
  controllers.shoot.syncPeriod, .concurrentSyncs    (defaults 1h, 20)
  controllers.backupBucket.concurrentSyncs, controllers.backupEntry.concurrentSyncs
  server.healthProbes, server.metrics               {bindAddress, port} (ports 2728, 2729)
  leaderElection                                    its lock is a Lease in the seed cluster
  logLevel (debug, info, error), logFormat (json, text)
  featureGates                                      accepted; no gate changes anything yet
Every other section (bootstrap kubeconfigs, shootClientConnection, the other controllers,
logging, monitoring, sni, etcdConfig, exposureClassHandlers, nodeToleration, ...) is
accepted and ignored.

The identity it uses in the garden is the user gardener.cloud:system:seed:<seed> in group
gardener.cloud:system:seeds (a client certificate's CN and O); the RBAC it needs is what
gardenlet.GardenRBAC returns, which the landscape installs with admin credentials. In the
seed cluster it needs to read and create Namespaces, read ConfigMaps in kube-system,
/readyz, /healthz and /version, and Leases in the leader election namespace when leader
election is on.

The sample configuration, with the settings Hortus uses:

` + indent(gardenlet.SampleConfig, "  ") + `
The gardenlet runs until it gets SIGINT or SIGTERM.`,
		Example: `  # Against the garden and the seed of a local landscape.
  hortus gardenlet --config .hortus/gardenlet.yaml

  # With other kubeconfigs than the configuration file names.
  hortus gardenlet --config gardenlet.yaml --kubeconfig garden.kubeconfig --seed-kubeconfig seed.kubeconfig

  # Probe it.
  curl http://127.0.0.1:2728/healthz`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(binDirs) == 0 {
				exe, err := os.Executable()
				if err != nil {
					return err
				}
				dir := filepath.Dir(exe)
				binDirs = []string{filepath.Join(dir, "kube"), dir}
			}
			if configFile == "" {
				return errors.New("--config is required: a GardenletConfiguration file (see hortus gardenlet --help)")
			}
			cfg, err := gardenlet.LoadConfig(configFile)
			if err != nil {
				return err
			}
			if kubeconfig != "" {
				cfg.GardenClientConnection.Kubeconfig = kubeconfig
			}
			if seedKubeconfig != "" {
				cfg.SeedClientConnection.Kubeconfig = seedKubeconfig
			}
			if err := gardenlet.ValidateConfig(cfg); err != nil {
				return err
			}
			log, err := componentconfig.NewLogger(cfg.LogLevel, cfg.LogFormat, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			logf.SetLogger(log)
			klog.SetLogger(log)
			if executorName != "process" {
				return fmt.Errorf("--executor %q is not available: the only executor so far is \"process\"", executorName)
			}
			return gardenlet.RunWithOptions(logf.IntoContext(cmd.Context(), log), cfg, gardenlet.Options{
				StateDir:   stateDir,
				BinDirs:    binDirs,
				PortsFile:  portsFile,
				PortsIndex: portsIndex,
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&executorName, "executor", "process", "How shoot control planes run: process (local processes under --state-dir)")
	f.StringVar(&stateDir, "state-dir", ".hortus-gardenlet", "Directory of the process executor: a directory per shoot with its control plane's working directories, data and logs")
	f.StringSliceVar(&binDirs, "bin-dir", nil, "Directories with the binaries: hortus, and the Kubernetes binaries per version as <dir>/v<version>/<name> (default: bin/kube and bin beside this hortus binary)")
	f.StringVar(&portsFile, "ports-file", "", "State file of the loopback port allocator, shared with other components of a landscape (default: <state-dir>/ports.json)")
	f.StringVar(&portsIndex, "ports-index", "", "Machine-wide index of port state files, so that landscapes on one machine never share a port (default: $"+ports.IndexEnv+", else ~/.cache/hortus/ports)")
	f.StringVar(&configFile, "config", "", "GardenletConfiguration file (gardenlet.config.gardener.cloud/v1alpha1); required")
	f.StringVar(&kubeconfig, "kubeconfig", "", "Kubeconfig of the garden kube-apiserver; overrides gardenClientConnection.kubeconfig")
	f.StringVar(&seedKubeconfig, "seed-kubeconfig", "", "Kubeconfig of the seed cluster; overrides seedClientConnection.kubeconfig (empty in both: the in-cluster configuration)")
	return cmd
}
