package kubeapiserver_test

import (
	"testing"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/component/kubeapiserver"
)

func TestBuild(t *testing.T) {
	base := kubeapiserver.Config{
		SecurePort:            6443,
		EtcdServers:           []string{"https://127.0.0.1:2379"},
		ServiceClusterIPRange: "10.0.0.0/24",
		ServiceAccountIssuer:  "https://kubernetes.default.svc",
		DependsOn:             []string{"etcd"},
	}
	tests := []struct {
		name      string
		mutate    func(*kubeapiserver.Config)
		wantArgs  []string
		notArgs   []string
		wantFiles []string
	}{
		{
			name: "defaults",
			wantArgs: []string{
				"--secure-port=6443", "--bind-address=127.0.0.1", "--authorization-mode=RBAC",
				"--etcd-servers=https://127.0.0.1:2379", "--etcd-prefix=/registry",
				"--tls-cert-file=$(HORTUS_WORKDIR)/pki/apiserver.crt",
				"--service-account-signing-key-file=$(HORTUS_WORKDIR)/pki/sa.key",
				"--service-account-key-file=$(HORTUS_WORKDIR)/pki/sa.pub",
			},
			notArgs:   []string{"--requestheader-client-ca-file=$(HORTUS_WORKDIR)/pki/front-proxy-ca.crt", "--encryption-provider-config=$(HORTUS_WORKDIR)/encryption-config.yaml"},
			wantFiles: []string{"pki/ca.crt", "pki/apiserver.key", "pki/etcd-client.key", "pki/sa.key"},
		},
		{
			name:      "front proxy enables aggregation flags and files",
			mutate:    func(c *kubeapiserver.Config) { c.RequestHeaderCAPEM = []byte("ca") },
			wantArgs:  []string{"--requestheader-client-ca-file=$(HORTUS_WORKDIR)/pki/front-proxy-ca.crt", "--proxy-client-cert-file=$(HORTUS_WORKDIR)/pki/front-proxy-client.crt", "--requestheader-allowed-names=front-proxy-client"},
			wantFiles: []string{"pki/front-proxy-ca.crt", "pki/front-proxy-client.key"},
		},
		{
			name:      "encryption config",
			mutate:    func(c *kubeapiserver.Config) { c.EncryptionConfig = []byte("kind: EncryptionConfiguration") },
			wantArgs:  []string{"--encryption-provider-config=$(HORTUS_WORKDIR)/encryption-config.yaml"},
			wantFiles: []string{"encryption-config.yaml"},
		},
		{
			name: "extra args override the builder's flags",
			mutate: func(c *kubeapiserver.Config) {
				c.ExtraArgs = map[string]string{"authorization-mode": "Node,RBAC", "v": "2"}
			},
			wantArgs: []string{"--authorization-mode=Node,RBAC", "--v=2"},
			notArgs:  []string{"--authorization-mode=RBAC"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			cfg := base
			if tt.mutate != nil {
				tt.mutate(&cfg)
			}
			c := kubeapiserver.Build(cfg)
			g.Expect(c.Name).To(Equal("kube-apiserver"))
			g.Expect(c.DependsOn).To(Equal([]string{"etcd"}))
			g.Expect(c.Args).To(ContainElements(tt.wantArgs))
			for _, a := range tt.notArgs {
				g.Expect(c.Args).NotTo(ContainElement(a))
			}
			var paths []string
			for _, f := range c.Files {
				paths = append(paths, f.Path)
				if f.Path == "pki/apiserver.key" || f.Path == "pki/sa.key" {
					g.Expect(f.Mode).To(BeZero(), "keys keep the executor's private default mode")
				}
			}
			g.Expect(paths).To(ContainElements(tt.wantFiles))
			g.Expect(c.Readiness.HTTPGet.Path).To(Equal("/readyz"))
			g.Expect(c.Port("https")).To(Equal(6443))
			g.Expect((&component.Set{Name: "s", Components: []component.Component{{Name: "etcd", Binary: "x"}, c}}).Validate()).To(Succeed())
			g.Expect(kubeapiserver.Build(cfg).Hash()).To(Equal(c.Hash()), "a pure builder gives the same description twice")
		})
	}
}
