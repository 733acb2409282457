package etcd_test

import (
	"testing"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/component/etcd"
)

func TestBuild(t *testing.T) {
	g := NewWithT(t)
	cfg := etcd.Config{ClientPort: 1, PeerPort: 2, MetricsPort: 3, CAPEM: []byte("ca"), ServerCertPEM: []byte("crt"), ServerKeyPEM: []byte("key"), QuotaBackendBytes: 1 << 30}
	c := etcd.Build(cfg)
	g.Expect(c.Name).To(Equal("etcd"))
	g.Expect(c.Binary).To(Equal("hortus-etcd"))
	g.Expect(c.Args[0]).To(Equal("etcd"))
	g.Expect(c.Args).To(ContainElements(
		"--data-dir=$(HORTUS_WORKDIR)/data",
		"--listen-client-urls=https://127.0.0.1:1",
		"--listen-peer-urls=https://127.0.0.1:2",
		"--listen-metrics-urls=http://127.0.0.1:3",
		"--trusted-ca-file=$(HORTUS_WORKDIR)/pki/ca.crt",
		"--quota-backend-bytes=1073741824",
	))
	g.Expect(cfg.ClientURL()).To(Equal("https://127.0.0.1:1"))
	g.Expect(c.Readiness.HTTPGet.Port).To(Equal(3))
	g.Expect(c.Port("client")).To(Equal(1))
	for _, f := range c.Files {
		if f.Path == "pki/server.key" {
			g.Expect(f.Mode.Perm()).To(BeEquivalentTo(0o600))
		}
	}
}
