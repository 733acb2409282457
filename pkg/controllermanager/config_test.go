package controllermanager

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	controllermanagerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/controllermanager/v1alpha1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

const header = "apiVersion: controllermanager.config.gardener.cloud/v1alpha1\nkind: ControllerManagerConfiguration\n"

func TestDecodeConfig(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		wantErr string
		check   func(g *WithT, cfg *Config)
	}{
		{
			name: "empty: defaults, leader election off, servers on loopback",
			data: header,
			check: func(g *WithT, cfg *Config) {
				g.Expect(cfg.LeaderElection.LeaderElect).To(Equal(ptr.To(false)))
				g.Expect(cfg.LeaderElection.ResourceNamespace).To(Equal("garden"))
				g.Expect(cfg.LeaderElection.ResourceName).To(Equal("gardener-controller-manager-leader-election"))
				g.Expect(cfg.LeaderElection.LeaseDuration.Duration).To(Equal(15 * time.Second))
				g.Expect(*cfg.Server.HealthProbes).To(Equal(controllermanagerconfigv1alpha1.Server{BindAddress: "127.0.0.1", Port: 2718}))
				g.Expect(*cfg.Server.Metrics).To(Equal(controllermanagerconfigv1alpha1.Server{BindAddress: "127.0.0.1", Port: 2719}))
				g.Expect(cfg.GardenClientConnection.QPS).To(Equal(float32(50)))
				g.Expect(cfg.GardenClientConnection.Burst).To(Equal(int32(100)))
				g.Expect(cfg.LogLevel).To(Equal("info"))
				g.Expect(cfg.LogFormat).To(Equal("json"))
				g.Expect(cfg.Controllers.Project).NotTo(BeNil(), "the project controller is on by default")
				g.Expect(cfg.Controllers.Project.ConcurrentSyncs).To(Equal(ptr.To(5)))
				g.Expect(cfg.Controllers.SeedExtensionsCheck).NotTo(BeNil(), "the seed extensions check controller is on by default")
				g.Expect(cfg.Controllers.SeedExtensionsCheck.SyncPeriod.Duration).To(Equal(30 * time.Second))
				g.Expect(cfg.Controllers.SeedExtensionsCheck.ConditionThresholds).To(BeEmpty())
			},
		},
		{
			name: "leader election on when asked",
			data: header + "leaderElection:\n  leaderElect: true\n  resourceNamespace: kube-system\n",
			check: func(g *WithT, cfg *Config) {
				g.Expect(cfg.LeaderElection.LeaderElect).To(Equal(ptr.To(true)))
				g.Expect(cfg.LeaderElection.ResourceNamespace).To(Equal("kube-system"))
				g.Expect(cfg.LeaderElection.ResourceLock).To(Equal("leases"))
			},
		},
		{
			name: "explicit addresses and project settings are kept",
			data: header + `server:
  healthProbes: {bindAddress: 0.0.0.0, port: 9000}
controllers:
  project:
    concurrentSyncs: 2
    quotas:
    - config:
        spec:
          hard:
            count/secrets: "3"
`,
			check: func(g *WithT, cfg *Config) {
				g.Expect(*cfg.Server.HealthProbes).To(Equal(controllermanagerconfigv1alpha1.Server{BindAddress: "0.0.0.0", Port: 9000}))
				g.Expect(cfg.Server.Metrics.BindAddress).To(Equal("127.0.0.1"))
				g.Expect(cfg.Controllers.Project.ConcurrentSyncs).To(Equal(ptr.To(2)))
				g.Expect(cfg.Controllers.Project.Quotas).To(HaveLen(1))
				g.Expect(cfg.Controllers.Project.Quotas[0].ProjectSelector).NotTo(BeNil(), "defaulted to match every project")
				g.Expect(cfg.Controllers.Project.Quotas[0].Config.Spec.Hard).To(Equal(corev1.ResourceList{"count/secrets": resource.MustParse("3")}))
			},
		},
		{
			name: "the sample",
			data: SampleConfig,
			check: func(g *WithT, cfg *Config) {
				g.Expect(cfg.GardenClientConnection.Kubeconfig).To(Equal("/etc/hortus/controller-manager.kubeconfig"))
				g.Expect(cfg.Controllers.Project.Quotas).To(HaveLen(1))
				g.Expect(cfg.Controllers.SeedExtensionsCheck.ConditionThresholds).To(ConsistOf(controllermanagerconfigv1alpha1.ConditionThreshold{
					Type: "ExtensionsReady", Duration: metav1.Duration{Duration: time.Minute},
				}))
			},
		},
		{name: "unknown fields are errors", data: header + "controllers:\n  projekt: {}\n", wantErr: `unknown field "controllers.projekt"`},
		{name: "the kind is needed", data: "controllers: {}\n", wantErr: "Kind"},
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

func TestLoadConfig(t *testing.T) {
	g := NewWithT(t)
	path := filepath.Join(t.TempDir(), "config.yaml")
	g.Expect(os.WriteFile(path, []byte(header+"logLevel: debug\n"), 0o600)).To(Succeed())
	cfg, err := LoadConfig(path)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cfg.LogLevel).To(Equal("debug"))

	_, err = LoadConfig(filepath.Join(t.TempDir(), "missing.yaml"))
	g.Expect(err).To(MatchError(ContainSubstring("reading the configuration")))
}
