package scheduler_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"

	schedulerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/scheduler/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"

	"github.com/hortus-dev/hortus/pkg/scheduler"
)

const header = "apiVersion: scheduler.config.gardener.cloud/v1alpha1\nkind: SchedulerConfiguration\n"

func TestDecodeConfig(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		check   func(*testing.T, *schedulerconfigv1alpha1.SchedulerConfiguration)
		wantErr string // substring; empty for success
	}{
		{
			name: "defaults",
			yaml: header,
			check: func(t *testing.T, cfg *schedulerconfigv1alpha1.SchedulerConfiguration) {
				if s := cfg.Schedulers.Shoot; s == nil || s.Strategy != schedulerconfigv1alpha1.SameRegion || s.ConcurrentSyncs != 5 {
					t.Errorf("schedulers.shoot = %+v, want SameRegion with 5 workers", s)
				}
				if ptr.Deref(cfg.LeaderElection.LeaderElect, true) {
					t.Error("leader election is on by default")
				}
				if cfg.Server.HealthProbes.Port != 10251 || cfg.Server.Metrics.Port != 19251 {
					t.Errorf("server = %+v %+v, want Gardener's default ports", cfg.Server.HealthProbes, cfg.Server.Metrics)
				}
				if cfg.LogFormat != "json" || cfg.LogLevel != "info" || cfg.ClientConnection.QPS != 50 {
					t.Errorf("logFormat %q, logLevel %q, qps %v; want Gardener's defaults", cfg.LogFormat, cfg.LogLevel, cfg.ClientConnection.QPS)
				}
			},
		},
		{
			name: "leader election and strategy as configured",
			yaml: header + `
leaderElection:
  leaderElect: true
  leaseDuration: 30s
schedulers:
  shoot:
    candidateDeterminationStrategy: MinimalDistance
    concurrentSyncs: 2
server:
  healthProbes:
    bindAddress: 0.0.0.0
    port: 8081
`,
			check: func(t *testing.T, cfg *schedulerconfigv1alpha1.SchedulerConfiguration) {
				le := cfg.LeaderElection
				if !ptr.Deref(le.LeaderElect, false) || le.LeaseDuration.Duration != 30*time.Second || le.ResourceName != "gardener-scheduler-leader-election" || le.ResourceLock != "leases" {
					t.Errorf("leaderElection = %+v", le)
				}
				if s := cfg.Schedulers.Shoot; s.Strategy != schedulerconfigv1alpha1.MinimalDistance || s.ConcurrentSyncs != 2 {
					t.Errorf("schedulers.shoot = %+v", s)
				}
			},
		},
		{
			name:    "misspelt field",
			yaml:    header + "schedulers:\n  shoot:\n    strategy: MinimalDistance\n",
			wantErr: `unknown field "schedulers.shoot.strategy"`,
		},
		{
			name:    "unknown strategy",
			yaml:    header + "schedulers:\n  shoot:\n    candidateDeterminationStrategy: Random\n",
			wantErr: "schedulers.shoot.candidateDeterminationStrategy",
		},
		{
			name:    "bad log level",
			yaml:    header + "logLevel: verbose\n",
			wantErr: "logLevel",
		},
		{
			name:    "other kind",
			yaml:    "apiVersion: v1\nkind: ConfigMap\n",
			wantErr: "no kind",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := scheduler.DecodeConfig([]byte(tt.yaml))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("DecodeConfig() error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeConfig() error = %v", err)
			}
			tt.check(t, cfg)
		})
	}
}

func TestDefaultConfig(t *testing.T) {
	want, err := scheduler.DecodeConfig([]byte(header))
	if err != nil {
		t.Fatal(err)
	}
	if got := scheduler.DefaultConfig(); !apiequality.Semantic.DeepEqual(got, want) {
		t.Errorf("DefaultConfig() = %+v, want %+v", got, want)
	}
}

func TestLoadConfigFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "scheduler.yaml")
	if err := os.WriteFile(path, []byte(header), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := scheduler.LoadConfigFile(path); err != nil {
		t.Fatalf("LoadConfigFile() error = %v", err)
	}
	if _, err := scheduler.LoadConfigFile(path + ".missing"); err == nil {
		t.Fatal("LoadConfigFile() of a missing file succeeded")
	}
}

func TestManagerOptions(t *testing.T) {
	cfg, err := scheduler.DecodeConfig([]byte(header + "server:\n  metrics:\n    bindAddress: 0.0.0.0\n    port: 9090\n"))
	if err != nil {
		t.Fatal(err)
	}
	opts, err := scheduler.ManagerOptions(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if opts.HealthProbeBindAddress != "127.0.0.1:10251" || opts.Metrics.BindAddress != "0.0.0.0:9090" {
		t.Errorf("health probes on %q and metrics on %q, want 127.0.0.1:10251 and 0.0.0.0:9090", opts.HealthProbeBindAddress, opts.Metrics.BindAddress)
	}
	if opts.LeaderElection {
		t.Error("leader election on without leaderElect")
	}
	for _, gvk := range []schema.GroupVersionKind{gardencorev1beta1.SchemeGroupVersion.WithKind("Shoot"), corev1.SchemeGroupVersion.WithKind("ConfigMap")} {
		if !opts.Scheme.Recognizes(gvk) {
			t.Errorf("scheme lacks %s", gvk)
		}
	}

	cfg.LeaderElection.LeaderElect = ptr.To(true)
	if opts, err = scheduler.ManagerOptions(cfg); err != nil {
		t.Fatal(err)
	}
	if !opts.LeaderElection || opts.LeaderElectionID != "gardener-scheduler-leader-election" || opts.LeaderElectionNamespace != "garden" ||
		opts.LeaseDuration == nil || *opts.LeaseDuration != 15*time.Second {
		t.Errorf("leader election options = %v %q %q %v", opts.LeaderElection, opts.LeaderElectionID, opts.LeaderElectionNamespace, opts.LeaseDuration)
	}
}
