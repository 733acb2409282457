package etcd_test

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/component"
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

func TestBuildWithBackup(t *testing.T) {
	tests := []struct {
		name       string
		backup     *etcd.BackupConfig
		wantArgs   []string
		unwantArgs []string
	}{
		{
			name:       "without backup",
			unwantArgs: []string{"--restore-from-dir", "--restore-snapshot"},
		},
		{
			name:       "newest snapshot",
			backup:     &etcd.BackupConfig{StoreDir: "/backups/shoot--dev", Port: 4},
			wantArgs:   []string{"--restore-from-dir=/backups/shoot--dev"},
			unwantArgs: []string{"--restore-snapshot"},
		},
		{
			name:     "named snapshot",
			backup:   &etcd.BackupConfig{StoreDir: "/backups/shoot--dev", Port: 4, RestoreSnapshot: "full-20261129T024105.123456789Z.db"},
			wantArgs: []string{"--restore-from-dir=/backups/shoot--dev", "--restore-snapshot=full-20261129T024105.123456789Z.db"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			c := etcd.Build(etcd.Config{ClientPort: 1, PeerPort: 2, MetricsPort: 3, Backup: tt.backup})
			g.Expect(c.Args).To(ContainElements(tt.wantArgs))
			for _, unwanted := range tt.unwantArgs {
				g.Expect(c.Args).NotTo(ContainElement(HavePrefix(unwanted)))
			}
		})
	}
}

func TestBuildBackup(t *testing.T) {
	g := NewWithT(t)
	cfg := etcd.Config{
		Name:       "main-etcd",
		Binary:     "hortus",
		ClientPort: 1, PeerPort: 2, MetricsPort: 3,
		CAPEM: []byte("ca"), ServerCertPEM: []byte("crt"), ServerKeyPEM: []byte("key"),
		ReadyTimeout: 30 * time.Second,
		Backup: &etcd.BackupConfig{
			StoreDir:      "/backups/shoot--dev",
			Schedule:      "0 21 * * *",
			Keep:          3,
			Port:          4,
			ClientCertPEM: []byte("client-crt"),
			ClientKeyPEM:  []byte("client-key"),
		},
	}
	c := etcd.BuildBackup(cfg)
	g.Expect(c.Name).To(Equal("main-etcd-backup"))
	g.Expect(cfg.BackupName()).To(Equal(c.Name))
	g.Expect(c.Binary).To(Equal("hortus"))
	g.Expect(c.Args[:2]).To(Equal([]string{"etcd", "backup"}))
	g.Expect(c.Args).To(ContainElements(
		"--endpoint=https://127.0.0.1:1",
		"--cacert=$(HORTUS_WORKDIR)/pki/ca.crt",
		"--cert=$(HORTUS_WORKDIR)/pki/client.crt",
		"--key=$(HORTUS_WORKDIR)/pki/client.key",
		"--store-dir=/backups/shoot--dev",
		"--schedule=0 21 * * *",
		"--keep=3",
		"--listen-address=127.0.0.1",
		"--port=4",
		"--tls-cert-file=$(HORTUS_WORKDIR)/pki/server.crt",
		"--tls-key-file=$(HORTUS_WORKDIR)/pki/server.key",
		"--client-ca-file=$(HORTUS_WORKDIR)/pki/ca.crt",
	))
	g.Expect(cfg.BackupURL()).To(Equal("https://127.0.0.1:4"))
	g.Expect(c.Port("backup")).To(Equal(4))

	files := map[string]component.File{}
	for _, f := range c.Files {
		files[f.Path] = f
	}
	g.Expect(files).To(HaveKeyWithValue("pki/client.crt", HaveField("Content", Equal([]byte("client-crt")))))
	g.Expect(files).To(HaveKeyWithValue("pki/client.key", HaveField("Mode", BeEquivalentTo(0o600))))
	g.Expect(files).To(HaveKeyWithValue("pki/server.key", HaveField("Mode", BeEquivalentTo(0o600))))

	// The probe presents the client certificate, which the sidecar requires.
	probe := c.Readiness.HTTPGet
	g.Expect(probe).To(Equal(&component.HTTPGetAction{
		Scheme: "https", Host: "127.0.0.1", Port: 4, Path: "/healthz",
		CAFile:   "$(HORTUS_WORKDIR)/pki/ca.crt",
		CertFile: "$(HORTUS_WORKDIR)/pki/client.crt",
		KeyFile:  "$(HORTUS_WORKDIR)/pki/client.key",
	}))
	g.Expect(c.Readiness.Timeout).To(Equal(40 * time.Second))

	set := component.Set{Name: "etcd", Components: []component.Component{etcd.Build(cfg), c}}
	g.Expect(set.Validate()).To(Succeed())
}

func TestBuildBackupDefaults(t *testing.T) {
	g := NewWithT(t)
	cfg := etcd.Config{ClientPort: 1, ServerCertPEM: []byte("crt"), ServerKeyPEM: []byte("key"), Backup: &etcd.BackupConfig{StoreDir: "/b", Port: 4}}
	c := etcd.BuildBackup(cfg)
	g.Expect(c.Name).To(Equal("etcd-backup"))
	g.Expect(c.Binary).To(Equal("hortus-etcd"))
	g.Expect(c.Args).NotTo(ContainElement(HavePrefix("--schedule")), "the sidecar's default")
	g.Expect(c.Args).NotTo(ContainElement(HavePrefix("--keep")), "the sidecar's default")
	for _, f := range c.Files {
		switch f.Path {
		case "pki/client.crt":
			g.Expect(f.Content).To(Equal([]byte("crt")), "the serving certificate is a client certificate too")
		case "pki/client.key":
			g.Expect(f.Content).To(Equal([]byte("key")))
		}
	}
}
