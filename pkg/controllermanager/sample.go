package controllermanager

// SampleConfig is a commented configuration file with the settings that Hortus uses; the
// tests decode it, so it stays valid.
const SampleConfig = `apiVersion: controllermanager.config.gardener.cloud/v1alpha1
kind: ControllerManagerConfiguration
gardenClientConnection:
  # The garden kube-apiserver; --kubeconfig overrides it. When both are empty:
  # $KUBECONFIG or ~/.kube/config, else the in-cluster configuration.
  kubeconfig: /etc/hortus/controller-manager.kubeconfig
  qps: 50
  burst: 100
leaderElection:
  # Off unless set: one replica. With several replicas, turn it on; the Lease
  # gardener-controller-manager-leader-election is kept in resourceNamespace.
  leaderElect: false
  resourceNamespace: garden
logLevel: info   # debug, info or error
logFormat: json  # json or text
server:
  # /healthz and /readyz, and /metrics; on loopback unless bindAddress says otherwise.
  healthProbes:
    bindAddress: 127.0.0.1
    port: 2718
  metrics:
    bindAddress: 127.0.0.1
    port: 2719
controllers:
  project:
    concurrentSyncs: 5
    # A ResourceQuota "gardener" in the namespace of every project that a
    # projectSelector matches (the first match wins; {} matches all).
    quotas:
    - projectSelector: {}
      config:
        apiVersion: v1
        kind: ResourceQuota
        spec:
          hard:
            count/configmaps: "100"
            count/secrets: "800"
  seedExtensionsCheck:
    # How often each seed's ExtensionsReady condition is checked again, besides on
    # changes of its ControllerInstallations.
    syncPeriod: 30s
    # A seed whose extensions stop being ready shows ExtensionsReady Progressing for
    # this long before False.
    conditionThresholds:
    - type: ExtensionsReady
      duration: 1m
`
