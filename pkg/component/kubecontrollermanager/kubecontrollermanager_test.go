package kubecontrollermanager_test

import (
	"testing"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/component/kubecontrollermanager"
)

func TestBuild(t *testing.T) {
	base := kubecontrollermanager.Config{
		SecurePort:                  10300,
		Kubeconfig:                  []byte("kind: Config"),
		ServiceAccountPrivateKeyPEM: []byte("sa key"),
		RootCAPEM:                   []byte("ca"),
		ServiceClusterIPRange:       "10.0.0.0/24",
		DependsOn:                   []string{"kube-apiserver"},
	}
	tests := []struct {
		name      string
		mutate    func(*kubecontrollermanager.Config)
		wantArgs  []string
		notArgs   []string
		wantFiles []string
		notFiles  []string
		probeCA   string
	}{
		{
			name: "defaults",
			wantArgs: []string{
				"--bind-address=127.0.0.1", "--secure-port=10300",
				"--kubeconfig=$(HORTUS_WORKDIR)/kubeconfig",
				"--authentication-kubeconfig=$(HORTUS_WORKDIR)/kubeconfig",
				"--authorization-kubeconfig=$(HORTUS_WORKDIR)/kubeconfig",
				"--service-account-private-key-file=$(HORTUS_WORKDIR)/pki/sa.key",
				"--root-ca-file=$(HORTUS_WORKDIR)/pki/ca.crt",
				"--use-service-account-credentials=true",
				"--controllers=*,bootstrap-signer-controller,token-cleaner-controller",
				"--cluster-name=kubernetes",
				"--service-cluster-ip-range=10.0.0.0/24",
				"--allocate-node-cidrs=false",
				"--leader-elect=false",
				"--logging-format=json",
				"--cert-dir=$(HORTUS_WORKDIR)/serving",
			},
			notArgs: []string{
				"--cluster-signing-cert-file=$(HORTUS_WORKDIR)/pki/cluster-signing.crt",
				"--tls-cert-file=$(HORTUS_WORKDIR)/pki/serving.crt",
			},
			wantFiles: []string{"kubeconfig", "pki/sa.key", "pki/ca.crt"},
			notFiles:  []string{"pki/cluster-signing.crt", "pki/serving.crt"},
		},
		{
			name: "a signing CA enables CSR signing",
			mutate: func(c *kubecontrollermanager.Config) {
				c.ClusterSigningCertPEM, c.ClusterSigningKeyPEM = []byte("crt"), []byte("key")
			},
			wantArgs: []string{
				"--cluster-signing-cert-file=$(HORTUS_WORKDIR)/pki/cluster-signing.crt",
				"--cluster-signing-key-file=$(HORTUS_WORKDIR)/pki/cluster-signing.key",
			},
			wantFiles: []string{"pki/cluster-signing.crt", "pki/cluster-signing.key"},
		},
		{
			name: "a serving certificate replaces the generated one and the probe trusts its CA",
			mutate: func(c *kubecontrollermanager.Config) {
				c.ServingCertPEM, c.ServingKeyPEM, c.ServingCAPEM = []byte("crt"), []byte("key"), []byte("ca")
			},
			wantArgs: []string{
				"--tls-cert-file=$(HORTUS_WORKDIR)/pki/serving.crt",
				"--tls-private-key-file=$(HORTUS_WORKDIR)/pki/serving.key",
			},
			notArgs:   []string{"--cert-dir=$(HORTUS_WORKDIR)/serving"},
			wantFiles: []string{"pki/serving.crt", "pki/serving.key", "pki/serving-ca.crt"},
			probeCA:   "$(HORTUS_WORKDIR)/pki/serving-ca.crt",
		},
		{
			name: "cluster settings",
			mutate: func(c *kubecontrollermanager.Config) {
				c.ClusterName = "shoot--dev--a"
				c.ClusterCIDR = "10.1.0.0/16"
				c.AllocateNodeCIDRs = true
				c.Controllers = []string{"*", "-ttl-controller"}
			},
			wantArgs: []string{
				"--cluster-name=shoot--dev--a", "--cluster-cidr=10.1.0.0/16",
				"--allocate-node-cidrs=true", "--controllers=*,-ttl-controller",
			},
			notArgs: []string{"--allocate-node-cidrs=false"},
		},
		{
			name: "extra args override the builder's flags",
			mutate: func(c *kubecontrollermanager.Config) {
				c.ExtraArgs = map[string]string{"leader-elect": "true", "v": "2"}
			},
			wantArgs: []string{"--leader-elect=true", "--v=2"},
			notArgs:  []string{"--leader-elect=false"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			cfg := base
			if tt.mutate != nil {
				tt.mutate(&cfg)
			}
			c := kubecontrollermanager.Build(cfg)
			g.Expect(c.Name).To(Equal("kube-controller-manager"))
			g.Expect(c.Binary).To(Equal("kube-controller-manager"))
			g.Expect(c.DependsOn).To(Equal([]string{"kube-apiserver"}))
			g.Expect(c.Args).To(ContainElements(tt.wantArgs))
			for _, a := range tt.notArgs {
				g.Expect(c.Args).NotTo(ContainElement(a))
			}
			var paths []string
			for _, f := range c.Files {
				paths = append(paths, f.Path)
				switch f.Path {
				case "kubeconfig", "pki/sa.key", "pki/cluster-signing.key", "pki/serving.key":
					g.Expect(f.Mode).To(BeZero(), "%s keeps the executor's private default mode", f.Path)
				}
			}
			g.Expect(paths).To(ContainElements(tt.wantFiles))
			for _, p := range tt.notFiles {
				g.Expect(paths).NotTo(ContainElement(p))
			}
			g.Expect(c.Port("https")).To(Equal(10300))
			g.Expect(cfg.URL()).To(Equal("https://127.0.0.1:10300"))
			g.Expect(c.Readiness.HTTPGet).To(Equal(&component.HTTPGetAction{
				Scheme: "https", Host: "127.0.0.1", Port: 10300, Path: "/healthz", CAFile: tt.probeCA,
			}))
			g.Expect((&component.Set{Name: "s", Components: []component.Component{{Name: "kube-apiserver", Binary: "x"}, c}}).Validate()).To(Succeed())
			g.Expect(kubecontrollermanager.Build(cfg).Hash()).To(Equal(c.Hash()), "a pure builder gives the same description twice")
		})
	}
}

func TestBuildDefaultsPortAndName(t *testing.T) {
	g := NewWithT(t)
	c := kubecontrollermanager.Build(kubecontrollermanager.Config{Name: "kcm", Binary: "/opt/kcm"})
	g.Expect(c.Name).To(Equal("kcm"))
	g.Expect(c.Binary).To(Equal("/opt/kcm"))
	g.Expect(c.Args).To(ContainElement("--secure-port=10257"))
	g.Expect(c.Args).NotTo(ContainElement(HavePrefix("--service-cluster-ip-range=")))
	g.Expect(c.Args).NotTo(ContainElement(HavePrefix("--cluster-cidr=")))
	g.Expect(c.Readiness.HTTPGet.Port).To(Equal(10257))
	for _, a := range c.Args {
		g.Expect(a).NotTo(MatchRegexp(`=/`), "arguments reference the working directory, never absolute host paths")
	}
}
