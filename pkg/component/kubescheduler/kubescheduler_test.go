package kubescheduler_test

import (
	"testing"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/component/kubescheduler"
)

func TestBuild(t *testing.T) {
	base := kubescheduler.Config{
		SecurePort: 10301,
		Kubeconfig: []byte("kind: Config"),
		DependsOn:  []string{"kube-apiserver"},
	}
	tests := []struct {
		name      string
		mutate    func(*kubescheduler.Config)
		wantArgs  []string
		notArgs   []string
		wantFiles []string
		probeCA   string
	}{
		{
			name: "defaults",
			wantArgs: []string{
				"--bind-address=127.0.0.1", "--secure-port=10301",
				"--kubeconfig=$(HORTUS_WORKDIR)/kubeconfig",
				"--authentication-kubeconfig=$(HORTUS_WORKDIR)/kubeconfig",
				"--authorization-kubeconfig=$(HORTUS_WORKDIR)/kubeconfig",
				"--leader-elect=false",
				"--logging-format=json",
				"--cert-dir=$(HORTUS_WORKDIR)/serving",
			},
			notArgs:   []string{"--tls-cert-file=$(HORTUS_WORKDIR)/pki/serving.crt"},
			wantFiles: []string{"kubeconfig"},
		},
		{
			name: "a serving certificate replaces the generated one and the probe trusts its CA",
			mutate: func(c *kubescheduler.Config) {
				c.ServingCertPEM, c.ServingKeyPEM, c.ServingCAPEM = []byte("crt"), []byte("key"), []byte("ca")
			},
			wantArgs: []string{
				"--tls-cert-file=$(HORTUS_WORKDIR)/pki/serving.crt",
				"--tls-private-key-file=$(HORTUS_WORKDIR)/pki/serving.key",
			},
			notArgs:   []string{"--cert-dir=$(HORTUS_WORKDIR)/serving"},
			wantFiles: []string{"kubeconfig", "pki/serving.crt", "pki/serving.key", "pki/serving-ca.crt"},
			probeCA:   "$(HORTUS_WORKDIR)/pki/serving-ca.crt",
		},
		{
			name: "extra args override the builder's flags",
			mutate: func(c *kubescheduler.Config) {
				c.ExtraArgs = map[string]string{"leader-elect": "true", "v": "2"}
			},
			wantArgs:  []string{"--leader-elect=true", "--v=2"},
			notArgs:   []string{"--leader-elect=false"},
			wantFiles: []string{"kubeconfig"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			cfg := base
			if tt.mutate != nil {
				tt.mutate(&cfg)
			}
			c := kubescheduler.Build(cfg)
			g.Expect(c.Name).To(Equal("kube-scheduler"))
			g.Expect(c.Binary).To(Equal("kube-scheduler"))
			g.Expect(c.DependsOn).To(Equal([]string{"kube-apiserver"}))
			g.Expect(c.Args).To(ContainElements(tt.wantArgs))
			for _, a := range tt.notArgs {
				g.Expect(c.Args).NotTo(ContainElement(a))
			}
			var paths []string
			for _, f := range c.Files {
				paths = append(paths, f.Path)
				if f.Path == "kubeconfig" || f.Path == "pki/serving.key" {
					g.Expect(f.Mode).To(BeZero(), "%s keeps the executor's private default mode", f.Path)
				}
			}
			g.Expect(paths).To(ConsistOf(tt.wantFiles))
			g.Expect(c.Port("https")).To(Equal(10301))
			g.Expect(cfg.URL()).To(Equal("https://127.0.0.1:10301"))
			g.Expect(c.Readiness.HTTPGet).To(Equal(&component.HTTPGetAction{
				Scheme: "https", Host: "127.0.0.1", Port: 10301, Path: "/healthz", CAFile: tt.probeCA,
			}))
			g.Expect((&component.Set{Name: "s", Components: []component.Component{{Name: "kube-apiserver", Binary: "x"}, c}}).Validate()).To(Succeed())
			g.Expect(kubescheduler.Build(cfg).Hash()).To(Equal(c.Hash()), "a pure builder gives the same description twice")
		})
	}
}

func TestBuildDefaultsPortAndName(t *testing.T) {
	g := NewWithT(t)
	c := kubescheduler.Build(kubescheduler.Config{Name: "sched", Binary: "/opt/sched"})
	g.Expect(c.Name).To(Equal("sched"))
	g.Expect(c.Binary).To(Equal("/opt/sched"))
	g.Expect(c.Args).To(ContainElement("--secure-port=10259"))
	g.Expect(c.Readiness.HTTPGet.Port).To(Equal(10259))
	for _, a := range c.Args {
		g.Expect(a).NotTo(MatchRegexp(`=/`), "arguments reference the working directory, never absolute host paths")
	}
}
