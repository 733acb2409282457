package pki_test

import (
	"crypto/x509"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/hortus-dev/hortus/pkg/pki"
)

func TestKubeconfigBytes(t *testing.T) {
	ca := mustCA(t, "ca")
	admin := mustIssue(t, ca, pki.CertConfig{CommonName: "admin", Organization: []string{"system:masters"}, Client: true})

	tests := []struct {
		name        string
		kc          pki.Kubeconfig
		wantCluster string
		wantUser    string
	}{
		{
			name: "client certificate with defaults",
			kc: pki.Kubeconfig{
				Server:        "https://127.0.0.1:6443",
				CAPEM:         ca.CertPEM,
				ClientCertPEM: admin.CertPEM,
				ClientKeyPEM:  admin.KeyPEM,
			},
			wantCluster: "default",
			wantUser:    "user",
		},
		{
			name: "token with names",
			kc: pki.Kubeconfig{
				ClusterName: "shoot--foo",
				Server:      "https://api.foo.example.com",
				CAPEM:       ca.CertPEM,
				UserName:    "kube-scheduler",
				Token:       "abc.def",
			},
			wantCluster: "shoot--foo",
			wantUser:    "kube-scheduler",
		},
		{
			name: "client certificate and token",
			kc: pki.Kubeconfig{
				ClusterName:   "c",
				Server:        "https://127.0.0.1:6443",
				CAPEM:         ca.CertPEM,
				UserName:      "u",
				ClientCertPEM: admin.CertPEM,
				ClientKeyPEM:  admin.KeyPEM,
				Token:         "t",
			},
			wantCluster: "c",
			wantUser:    "u",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			data, err := tt.kc.Bytes()
			g.Expect(err).NotTo(HaveOccurred())

			cfg, err := clientcmd.Load(data)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(cfg.CurrentContext).To(Equal(tt.wantCluster))
			g.Expect(cfg.Contexts).To(HaveKey(tt.wantCluster))
			g.Expect(cfg.Contexts[tt.wantCluster].Cluster).To(Equal(tt.wantCluster))
			g.Expect(cfg.Contexts[tt.wantCluster].AuthInfo).To(Equal(tt.wantUser))
			g.Expect(cfg.Clusters).To(HaveKey(tt.wantCluster))
			g.Expect(cfg.Clusters[tt.wantCluster].Server).To(Equal(tt.kc.Server))
			g.Expect(cfg.Clusters[tt.wantCluster].CertificateAuthorityData).To(Equal(tt.kc.CAPEM))
			g.Expect(cfg.AuthInfos).To(HaveKey(tt.wantUser))
			user := cfg.AuthInfos[tt.wantUser]
			g.Expect(user.ClientCertificateData).To(Equal(tt.kc.ClientCertPEM))
			g.Expect(user.ClientKeyData).To(Equal(tt.kc.ClientKeyPEM))
			g.Expect(user.Token).To(Equal(tt.kc.Token))

			// What a client builds from it.
			rc, err := clientcmd.RESTConfigFromKubeConfig(data)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(rc.Host).To(Equal(tt.kc.Server))
			g.Expect(rc.TLSClientConfig.CAData).To(Equal(tt.kc.CAPEM))
			g.Expect(rc.TLSClientConfig.CertData).To(Equal(tt.kc.ClientCertPEM))
			g.Expect(rc.BearerToken).To(Equal(tt.kc.Token))
		})
	}

	t.Run("embedded client certificate identifies the user", func(t *testing.T) {
		g := NewWithT(t)
		data, err := pki.Kubeconfig{Server: "https://x", CAPEM: ca.CertPEM, ClientCertPEM: admin.CertPEM, ClientKeyPEM: admin.KeyPEM}.Bytes()
		g.Expect(err).NotTo(HaveOccurred())
		cfg, err := clientcmd.Load(data)
		g.Expect(err).NotTo(HaveOccurred())
		p, err := pki.ParseCertKeyPair(cfg.AuthInfos["user"].ClientCertificateData, cfg.AuthInfos["user"].ClientKeyData)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(p.Cert.Subject.CommonName).To(Equal("admin"))
		g.Expect(p.Cert.Subject.Organization).To(ConsistOf("system:masters"))
		roots, err := pki.ParseCertificatesPEM(cfg.Clusters["default"].CertificateAuthorityData)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(p.Verify(roots...)).To(Succeed())
		g.Expect(p.Cert.ExtKeyUsage).To(ConsistOf(x509.ExtKeyUsageClientAuth))
	})
}

func TestKubeconfigBytesInvalid(t *testing.T) {
	ca := mustCA(t, "ca")
	admin := mustIssue(t, ca, pki.CertConfig{CommonName: "admin", Client: true})
	tests := []struct {
		name string
		kc   pki.Kubeconfig
	}{
		{name: "no server", kc: pki.Kubeconfig{CAPEM: ca.CertPEM, Token: "t"}},
		{name: "certificate without key", kc: pki.Kubeconfig{Server: "https://x", ClientCertPEM: admin.CertPEM}},
		{name: "key without certificate", kc: pki.Kubeconfig{Server: "https://x", ClientKeyPEM: admin.KeyPEM}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			data, err := tt.kc.Bytes()
			g.Expect(err).To(HaveOccurred())
			g.Expect(data).To(BeNil())
		})
	}
}

func TestKubeconfigWriteFile(t *testing.T) {
	g := NewWithT(t)
	ca := mustCA(t, "ca")
	kc := pki.Kubeconfig{ClusterName: "local", Server: "https://127.0.0.1:6443", CAPEM: ca.CertPEM, Token: "secret"}
	path := filepath.Join(t.TempDir(), "kubeconfigs", "admin.kubeconfig")

	g.Expect(kc.WriteFile(path)).To(Succeed())
	g.Expect(fileMode(t, path)).To(Equal(fs.FileMode(0o600)))
	g.Expect(fileMode(t, filepath.Dir(path))).To(Equal(fs.FileMode(0o700)))

	written, err := os.ReadFile(path)
	g.Expect(err).NotTo(HaveOccurred())
	want, err := kc.Bytes()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(written)).To(Equal(string(want)))

	cfg, err := clientcmd.LoadFromFile(path)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cfg.CurrentContext).To(Equal("local"))
	g.Expect(cfg.AuthInfos["user"].Token).To(Equal("secret"))

	entries, err := os.ReadDir(filepath.Dir(path))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(entries).To(HaveLen(1), "no temporary files may be left behind")

	// An invalid kubeconfig leaves the existing file alone.
	g.Expect(pki.Kubeconfig{}.WriteFile(path)).NotTo(Succeed())
	again, err := os.ReadFile(path)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(again).To(Equal(written))
}
