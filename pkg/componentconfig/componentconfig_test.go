package componentconfig

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	controllermanagerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/controllermanager/v1alpha1"
	schedulerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/scheduler/v1alpha1"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache/informertest"
	"sigs.k8s.io/controller-runtime/pkg/manager"
)

const header = "apiVersion: scheduler.config.gardener.cloud/v1alpha1\nkind: SchedulerConfiguration\n"

// testScheme knows two kinds of configuration, so that Decode can meet the wrong one.
var testScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(schedulerconfigv1alpha1.AddToScheme(s))
	utilruntime.Must(controllermanagerconfigv1alpha1.AddToScheme(s))
	return s
}()

func decode(data []byte) (*schedulerconfigv1alpha1.SchedulerConfiguration, error) {
	return Decode(testScheme, data, func(cfg *schedulerconfigv1alpha1.SchedulerConfiguration) **componentbaseconfigv1alpha1.LeaderElectionConfiguration {
		return &cfg.LeaderElection
	})
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		wantErr string
		check   func(g *WithT, cfg *schedulerconfigv1alpha1.SchedulerConfiguration)
	}{
		{
			name: "Gardener's defaults, leader election off",
			data: header,
			check: func(g *WithT, cfg *schedulerconfigv1alpha1.SchedulerConfiguration) {
				g.Expect(cfg.LeaderElection.LeaderElect).To(Equal(ptr.To(false)))
				g.Expect(cfg.LeaderElection.ResourceName).To(Equal("gardener-scheduler-leader-election"))
				g.Expect(cfg.Server.HealthProbes).To(Equal(&schedulerconfigv1alpha1.Server{Port: 10251}))
				g.Expect(cfg.LogLevel).To(Equal("info"))
			},
		},
		{
			name: "leader election on when asked",
			data: header + "leaderElection:\n  leaderElect: true\n",
			check: func(g *WithT, cfg *schedulerconfigv1alpha1.SchedulerConfiguration) {
				g.Expect(cfg.LeaderElection.LeaderElect).To(Equal(ptr.To(true)))
				g.Expect(cfg.LeaderElection.ResourceLock).To(Equal("leases"))
			},
		},
		{
			name: "leader election off when asked",
			data: header + "leaderElection:\n  leaderElect: false\n  resourceNamespace: kube-system\n",
			check: func(g *WithT, cfg *schedulerconfigv1alpha1.SchedulerConfiguration) {
				g.Expect(cfg.LeaderElection.LeaderElect).To(Equal(ptr.To(false)))
				g.Expect(cfg.LeaderElection.ResourceNamespace).To(Equal("kube-system"))
			},
		},
		{name: "unknown fields are errors", data: header + "logLevl: info\n", wantErr: `unknown field "logLevl"`},
		{name: "duplicate fields are errors", data: header + "logLevel: info\nlogLevel: debug\n", wantErr: `"logLevel" already set`},
		{name: "the kind is needed", data: "logLevel: info\n", wantErr: "Kind"},
		{name: "a kind the scheme does not know", data: "apiVersion: v1\nkind: ConfigMap\n", wantErr: "no kind"},
		{
			name:    "another kind of the scheme",
			data:    "apiVersion: controllermanager.config.gardener.cloud/v1alpha1\nkind: ControllerManagerConfiguration\n",
			wantErr: "got controllermanager.config.gardener.cloud/v1alpha1, Kind=ControllerManagerConfiguration, want a SchedulerConfiguration of scheduler.config.gardener.cloud/v1alpha1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			cfg, err := decode([]byte(tt.data))
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			tt.check(g, cfg)
		})
	}
}

func TestLoad(t *testing.T) {
	g := NewWithT(t)
	path := filepath.Join(t.TempDir(), "config.yaml")
	g.Expect(os.WriteFile(path, []byte(header+"logLevel: debug\n"), 0o600)).To(Succeed())
	cfg, err := Load(path, decode)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cfg.LogLevel).To(Equal("debug"))

	_, err = Load(filepath.Join(t.TempDir(), "missing.yaml"), decode)
	g.Expect(err).To(MatchError(ContainSubstring("reading the configuration")))

	g.Expect(os.WriteFile(path, []byte(header+"bogus: 1\n"), 0o600)).To(Succeed())
	_, err = Load(path, decode)
	g.Expect(err).To(MatchError(And(ContainSubstring(path+": "), ContainSubstring(`unknown field "bogus"`))))
}

func TestAddress(t *testing.T) {
	tests := []struct {
		name   string
		server *schedulerconfigv1alpha1.Server
		want   string
	}{
		{name: "no server: off", want: "0"},
		{name: "no bind address: loopback", server: &schedulerconfigv1alpha1.Server{Port: 10251}, want: "127.0.0.1:10251"},
		{name: "a bind address", server: &schedulerconfigv1alpha1.Server{BindAddress: "0.0.0.0", Port: 9090}, want: "0.0.0.0:9090"},
		{name: "an IPv6 bind address", server: &schedulerconfigv1alpha1.Server{BindAddress: "::1", Port: 9090}, want: "[::1]:9090"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			NewWithT(t).Expect(Address(tt.server)).To(Equal(tt.want))
		})
	}
}

func TestDefaultBindAddresses(t *testing.T) {
	g := NewWithT(t)
	empty := &controllermanagerconfigv1alpha1.Server{Port: 2718}
	given := &controllermanagerconfigv1alpha1.Server{BindAddress: "0.0.0.0", Port: 2719}
	DefaultBindAddresses(empty, nil, given)
	g.Expect(empty).To(Equal(&controllermanagerconfigv1alpha1.Server{BindAddress: DefaultBindAddress, Port: 2718}))
	g.Expect(given).To(Equal(&controllermanagerconfigv1alpha1.Server{BindAddress: "0.0.0.0", Port: 2719}))
}

func TestApplyLeaderElection(t *testing.T) {
	le := &componentbaseconfigv1alpha1.LeaderElectionConfiguration{
		LeaderElect:       ptr.To(true),
		LeaseDuration:     metav1.Duration{Duration: 15 * time.Second},
		RenewDeadline:     metav1.Duration{Duration: 10 * time.Second},
		RetryPeriod:       metav1.Duration{Duration: 2 * time.Second},
		ResourceLock:      "leases",
		ResourceName:      "leader",
		ResourceNamespace: "garden",
	}
	tests := []struct {
		name string
		le   *componentbaseconfigv1alpha1.LeaderElectionConfiguration
		want manager.Options
	}{
		{name: "no configuration: off"},
		{name: "leaderElect unset: off", le: &componentbaseconfigv1alpha1.LeaderElectionConfiguration{ResourceName: "leader"}},
		{name: "leaderElect false: off", le: &componentbaseconfigv1alpha1.LeaderElectionConfiguration{LeaderElect: ptr.To(false), ResourceName: "leader"}},
		{
			name: "leaderElect true: on, as configured",
			le:   le,
			want: manager.Options{
				LeaderElection:                true,
				LeaderElectionResourceLock:    "leases",
				LeaderElectionNamespace:       "garden",
				LeaderElectionID:              "leader",
				LeaseDuration:                 ptr.To(15 * time.Second),
				RenewDeadline:                 ptr.To(10 * time.Second),
				RetryPeriod:                   ptr.To(2 * time.Second),
				LeaderElectionReleaseOnCancel: true,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts manager.Options
			ApplyLeaderElection(&opts, tt.le)
			NewWithT(t).Expect(opts).To(Equal(tt.want))
		})
	}
}

func TestCacheSynced(t *testing.T) {
	tests := []struct {
		name    string
		synced  bool
		wantErr string
	}{
		{name: "synced: ready", synced: true},
		{name: "not synced: not ready", synced: false, wantErr: "the informers have not synced yet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			check := CacheSynced(&informertest.FakeInformers{Synced: ptr.To(tt.synced)})
			err := check(httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(tt.wantErr))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
		})
	}
}

func TestNewLogger(t *testing.T) {
	tests := []struct {
		name, level, format string
		// want are substrings of what an Info and a debug (V(1)) line write.
		want, notWant []string
		wantErr       string
	}{
		{name: "defaults", level: "info", format: "json", want: []string{`"msg":"Info line"`}, notWant: []string{"Debug line"}},
		{name: "empty is the default", want: []string{`"msg":"Info line"`}, notWant: []string{"Debug line"}},
		{name: "debug text", level: "debug", format: "text", want: []string{"Info line", "Debug line"}, notWant: []string{`"msg"`}},
		{name: "error", level: "error", format: "json", notWant: []string{"Info line", "Debug line"}},
		{name: "unknown level", level: "verbose", format: "json", wantErr: `unknown logLevel "verbose": want debug, info or error`},
		{name: "unknown format", level: "info", format: "xml", wantErr: `unknown logFormat "xml": want json or text`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			var out bytes.Buffer
			log, err := NewLogger(tt.level, tt.format, &out)
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(tt.wantErr))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			log.Info("Info line")
			log.V(1).Info("Debug line")
			for _, w := range tt.want {
				g.Expect(out.String()).To(ContainSubstring(w))
			}
			for _, w := range tt.notWant {
				g.Expect(out.String()).NotTo(ContainSubstring(w))
			}
		})
	}
}
