package hortusapiserver_test

import (
	"testing"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/component/hortusapiserver"
)

func TestBuild(t *testing.T) {
	base := hortusapiserver.Config{
		SecurePort:  8443,
		EtcdServers: []string{"https://127.0.0.1:2379", "https://127.0.0.1:2389"},
	}
	tests := []struct {
		name     string
		mutate   func(*hortusapiserver.Config)
		wantArgs []string
		notArgs  []string
	}{
		{
			name: "defaults",
			wantArgs: []string{
				"apiserver", "--secure-port=8443", "--bind-address=127.0.0.1",
				"--etcd-servers=https://127.0.0.1:2379,https://127.0.0.1:2389",
				"--tls-cert-file=$(HORTUS_WORKDIR)/pki/hortus-apiserver.crt",
				"--kubeconfig=$(HORTUS_WORKDIR)/garden.kubeconfig",
				"--etcd-certfile=$(HORTUS_WORKDIR)/pki/etcd-client.crt",
			},
			notArgs: []string{"--etcd-prefix=/registry-hortus"},
		},
		{
			name:     "etcd prefix",
			mutate:   func(c *hortusapiserver.Config) { c.EtcdPrefix = "/registry-other" },
			wantArgs: []string{"--etcd-prefix=/registry-other"},
		},
		{
			name:     "extra args override the builder's flags",
			mutate:   func(c *hortusapiserver.Config) { c.ExtraArgs = map[string]string{"bind-address": "0.0.0.0", "v": "4"} },
			wantArgs: []string{"--bind-address=0.0.0.0", "--v=4"},
			notArgs:  []string{"--bind-address=127.0.0.1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			cfg := base
			if tt.mutate != nil {
				tt.mutate(&cfg)
			}
			c := hortusapiserver.Build(cfg)
			g.Expect(c.Name).To(Equal(hortusapiserver.DefaultName))
			g.Expect(c.Binary).To(Equal("hortus"))
			g.Expect(c.Args[0]).To(Equal("apiserver"), "the subcommand comes first")
			g.Expect(c.Args).To(ContainElements(tt.wantArgs))
			for _, a := range tt.notArgs {
				g.Expect(c.Args).NotTo(ContainElement(a))
			}
			for _, f := range c.Files {
				if f.Path == "pki/hortus-apiserver.key" || f.Path == "pki/etcd-client.key" || f.Path == "garden.kubeconfig" {
					g.Expect(f.Mode).To(BeZero(), "secrets keep the executor's private default mode")
				}
			}
			g.Expect(c.Port("https")).To(Equal(8443))
			g.Expect(c.Readiness.HTTPGet.Path).To(Equal("/readyz"))
			set := component.Set{Name: "s", Components: []component.Component{c}}
			g.Expect(set.Validate()).To(Succeed())
		})
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	g := NewWithT(t)
	cfg := hortusapiserver.Config{SecurePort: 1, ExtraArgs: map[string]string{"a": "1", "b": "2", "c": "3"}}
	a, b := hortusapiserver.Build(cfg), hortusapiserver.Build(cfg)
	g.Expect(a.Hash()).To(Equal(b.Hash()))
}
