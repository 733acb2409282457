package gardenlet

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	gardenletconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/gardenlet/v1alpha1"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"
)

const header = "apiVersion: gardenlet.config.gardener.cloud/v1alpha1\nkind: GardenletConfiguration\n"

// valid is the smallest configuration that ValidateConfig accepts.
const valid = header + `gardenClientConnection:
  kubeconfig: /garden.kubeconfig
seedConfig:
  metadata:
    name: local
  spec:
    provider: {type: local, region: local}
    networks: {pods: 10.1.0.0/16, services: 10.2.0.0/16}
`

func TestDecodeConfig(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		wantErr string
		check   func(g *WithT, cfg *Config)
	}{
		{
			name: "empty: Gardener's defaults, leader election off, servers on loopback",
			data: header,
			check: func(g *WithT, cfg *Config) {
				g.Expect(cfg.LeaderElection.LeaderElect).To(Equal(ptr.To(false)))
				g.Expect(cfg.LeaderElection.ResourceNamespace).To(Equal("garden"))
				g.Expect(cfg.LeaderElection.ResourceName).To(Equal("gardenlet-leader-election"))
				g.Expect(*cfg.Server.HealthProbes).To(Equal(gardenletconfigv1alpha1.Server{BindAddress: "127.0.0.1", Port: 2728}))
				g.Expect(*cfg.Server.Metrics).To(Equal(gardenletconfigv1alpha1.Server{BindAddress: "127.0.0.1", Port: 2729}))
				g.Expect(cfg.GardenClientConnection.QPS).To(Equal(float32(50)))
				g.Expect(cfg.GardenClientConnection.Burst).To(Equal(int32(100)))
				g.Expect(cfg.SeedClientConnection.QPS).To(Equal(float32(50)))
				g.Expect(cfg.Controllers.Seed.SyncPeriod.Duration).To(Equal(time.Minute))
				g.Expect(cfg.Controllers.Shoot.SyncPeriod.Duration).To(Equal(time.Hour))
				g.Expect(cfg.Controllers.Shoot.ConcurrentSyncs).To(Equal(ptr.To(20)))
				g.Expect(cfg.LogLevel).To(Equal("info"))
				g.Expect(cfg.LogFormat).To(Equal("json"))
			},
		},
		{
			name: "leader election on when asked",
			data: header + "leaderElection:\n  leaderElect: true\n",
			check: func(g *WithT, cfg *Config) {
				g.Expect(cfg.LeaderElection.LeaderElect).To(Equal(ptr.To(true)))
				g.Expect(cfg.LeaderElection.ResourceLock).To(Equal("leases"))
				g.Expect(cfg.LeaderElection.LeaseDuration.Duration).To(Equal(15 * time.Second))
			},
		},
		{
			name: "explicit settings are kept",
			data: valid + `server:
  healthProbes: {bindAddress: 0.0.0.0, port: 9000}
controllers:
  seed: {syncPeriod: 10s}
  shoot: {concurrentSyncs: 2}
resources:
  capacity: {shoots: "10"}
  reserved: {shoots: "3"}
featureGates:
  SomeGate: true
`,
			check: func(g *WithT, cfg *Config) {
				g.Expect(*cfg.Server.HealthProbes).To(Equal(gardenletconfigv1alpha1.Server{BindAddress: "0.0.0.0", Port: 9000}))
				g.Expect(cfg.Server.Metrics.BindAddress).To(Equal("127.0.0.1"))
				g.Expect(cfg.Controllers.Seed.SyncPeriod.Duration).To(Equal(10 * time.Second))
				g.Expect(cfg.Controllers.Shoot.ConcurrentSyncs).To(Equal(ptr.To(2)))
				g.Expect(cfg.Resources.Capacity["shoots"]).To(Equal(resource.MustParse("10")))
				g.Expect(cfg.SeedConfig.Name).To(Equal("local"))
				g.Expect(cfg.SeedConfig.Spec.Provider.Type).To(Equal("local"))
				g.Expect(cfg.FeatureGates).To(HaveKeyWithValue("SomeGate", true))
			},
		},
		{
			name: "the sample",
			data: SampleConfig,
			check: func(g *WithT, cfg *Config) {
				g.Expect(cfg.GardenClientConnection.Kubeconfig).To(Equal("/etc/hortus/gardenlet/garden.kubeconfig"))
				g.Expect(cfg.SeedClientConnection.Kubeconfig).To(Equal("/etc/hortus/gardenlet/seed.kubeconfig"))
				g.Expect(cfg.SeedConfig.Labels).To(HaveKeyWithValue("base", "local"))
				g.Expect(ValidateConfig(cfg)).To(Succeed())
			},
		},
		{name: "unknown top-level fields are errors", data: header + "seedConfigs: {}\n", wantErr: `unknown field "seedConfigs"`},
		{name: "unknown nested fields are errors", data: header + "seedConfig:\n  spec:\n    provider:\n      typ: local\n", wantErr: `unknown field "seedConfig.spec.provider.typ"`},
		{name: "the kind is needed", data: "logLevel: info\n", wantErr: "Kind"},
		{name: "another kind is an error", data: "apiVersion: v1\nkind: ConfigMap\n", wantErr: "ConfigMap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			cfg, err := DecodeConfig([]byte(tt.data))
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			tt.check(g, cfg)
		})
	}
}

func TestValidateConfig(t *testing.T) {
	tests := []struct {
		name    string
		extra   string
		mutate  func(cfg *Config)
		wantErr []string
	}{
		{name: "valid"},
		{
			name:    "no garden kubeconfig",
			mutate:  func(cfg *Config) { cfg.GardenClientConnection.Kubeconfig = "" },
			wantErr: []string{"gardenClientConnection.kubeconfig: Required value"},
		},
		{
			name:    "no seed config",
			mutate:  func(cfg *Config) { cfg.SeedConfig = nil },
			wantErr: []string{"seedConfig: Required value"},
		},
		{
			name:    "no seed name",
			mutate:  func(cfg *Config) { cfg.SeedConfig.Name = "" },
			wantErr: []string{"seedConfig.metadata.name: Required value"},
		},
		{
			name:    "the seed is checked as the garden API server checks it",
			mutate:  func(cfg *Config) { cfg.SeedConfig.Spec.Provider.Region = ""; cfg.SeedConfig.Name = "Not_A_Name" },
			wantErr: []string{"seedConfig.spec.provider.region: Required value", "seedConfig.metadata.name: Invalid value"},
		},
		{
			name:    "reserved exceeds capacity",
			extra:   "resources:\n  capacity: {shoots: \"2\"}\n  reserved: {shoots: \"3\"}\n",
			wantErr: []string{"resources.reserved[shoots]: Invalid value: \"3\": must not exceed resources.capacity[shoots] (2)"},
		},
		{
			name:    "reserved without capacity",
			extra:   "resources:\n  reserved: {shoots: \"3\"}\n",
			wantErr: []string{"resources.capacity[shoots]: Required value"},
		},
		{
			name:    "negative capacity",
			extra:   "resources:\n  capacity: {shoots: \"-1\"}\n",
			wantErr: []string{"resources.capacity[shoots]: Invalid value"},
		},
		{
			name:    "periods and syncs must be positive",
			extra:   "controllers:\n  seed: {syncPeriod: 0s}\n  shoot: {syncPeriod: -1m, concurrentSyncs: 0}\n",
			wantErr: []string{"controllers.seed.syncPeriod: Invalid value", "controllers.shoot.syncPeriod: Invalid value", "controllers.shoot.concurrentSyncs: Invalid value"},
		},
		{
			name:    "log settings",
			extra:   "logLevel: verbose\nlogFormat: xml\n",
			wantErr: []string{`logLevel: Unsupported value: "verbose"`, `logFormat: Unsupported value: "xml"`},
		},
		{
			name:    "ports",
			extra:   "server:\n  metrics: {port: 70000}\n",
			wantErr: []string{"server.metrics.port: Invalid value: 70000"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			cfg, err := DecodeConfig([]byte(valid + tt.extra))
			g.Expect(err).NotTo(HaveOccurred())
			if tt.mutate != nil {
				tt.mutate(cfg)
			}
			err = ValidateConfig(cfg)
			if len(tt.wantErr) == 0 {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(err).To(HaveOccurred())
			for _, want := range tt.wantErr {
				g.Expect(err.Error()).To(ContainSubstring(want))
			}
		})
	}
}

func TestLoadConfig(t *testing.T) {
	g := NewWithT(t)
	path := filepath.Join(t.TempDir(), "config.yaml")
	g.Expect(os.WriteFile(path, []byte(valid+"logLevel: debug\n"), 0o600)).To(Succeed())
	cfg, err := LoadConfig(path)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cfg.LogLevel).To(Equal("debug"))

	_, err = LoadConfig(filepath.Join(t.TempDir(), "missing.yaml"))
	g.Expect(err).To(MatchError(ContainSubstring("reading the configuration")))

	g.Expect(os.WriteFile(path, []byte(header+"bogus: 1\n"), 0o600)).To(Succeed())
	_, err = LoadConfig(path)
	g.Expect(err).To(MatchError(And(ContainSubstring(path), ContainSubstring(`unknown field "bogus"`))))
}
