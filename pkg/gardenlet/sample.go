package gardenlet

// SampleConfig is a commented configuration file with the settings that Hortus uses; the
// tests decode and validate it, so it stays valid.
const SampleConfig = `apiVersion: gardenlet.config.gardener.cloud/v1alpha1
kind: GardenletConfiguration
gardenClientConnection:
  # The garden kube-apiserver, as the gardenlet's own identity: user
  # gardener.cloud:system:seed:<seed> in group gardener.cloud:system:seeds.
  # Required; --kubeconfig overrides it.
  kubeconfig: /etc/hortus/gardenlet/garden.kubeconfig
  qps: 50
  burst: 100
seedClientConnection:
  # The seed cluster; --seed-kubeconfig overrides it. Empty: the in-cluster
  # configuration (the gardenlet runs in the seed).
  kubeconfig: /etc/hortus/gardenlet/seed.kubeconfig
seedConfig:
  # The Seed the gardenlet registers and reports on. It owns the spec; its labels
  # and annotations are merged into the Seed's.
  metadata:
    name: local
    labels:
      base: local
  spec:
    provider:
      type: local
      region: local
    networks:
      pods: 10.1.0.0/16
      services: 10.2.0.0/16
      nodes: 10.3.0.0/16
    # With a backup, the gardenlet keeps a BackupBucket (named after the Seed's UID),
    # hands it and every shoot's BackupEntry to the backup provider's extension as
    # extension objects in the seed, and reports the BackupBucketsReady condition from
    # the bucket's status. The credentials Secret (empty for provider local) must exist
    # in the garden; a backup cannot be removed from a Seed once set.
    # backup:
    #   provider: local
    #   credentialsRef:
    #     apiVersion: v1
    #     kind: Secret
    #     namespace: garden
    #     name: backup-local
resources:
  # Reported as status.capacity.shoots and, less the reserved ones,
  # status.allocatable.shoots; the scheduler fills a seed up to allocatable.
  capacity:
    shoots: "250"
  reserved:
    shoots: "0"
controllers:
  seed:
    syncPeriod: 1m   # how often the Seed's status and conditions are reported
  shoot:
    syncPeriod: 1h
    concurrentSyncs: 20
  backupBucket:
    concurrentSyncs: 5
  backupEntry:
    concurrentSyncs: 5
leaderElection:
  # Off unless set: one replica. The lock is a Lease in the seed cluster.
  leaderElect: false
  resourceNamespace: garden
logLevel: info   # debug, info or error
logFormat: json  # json or text
server:
  # /healthz and /readyz, and /metrics; on loopback unless bindAddress says otherwise.
  healthProbes:
    bindAddress: 127.0.0.1
    port: 2728
  metrics:
    bindAddress: 127.0.0.1
    port: 2729
`
