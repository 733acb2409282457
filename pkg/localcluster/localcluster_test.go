package localcluster_test

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/localcluster"
	"github.com/hortus-dev/hortus/pkg/pki"
	"github.com/hortus-dev/hortus/pkg/ports"
)

func options(t *testing.T, dir string) localcluster.Options {
	t.Helper()
	return localcluster.Options{
		Name:   "garden",
		PKIDir: filepath.Join(dir, "pki"),
		Ports:  ports.New(filepath.Join(dir, "ports.json")),
	}
}

func mustBuild(t *testing.T, o localcluster.Options) *localcluster.Cluster {
	t.Helper()
	c, err := localcluster.Build(o)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return c
}

// kubeAPIServer returns the kube-apiserver of the set.
func kubeAPIServer(t *testing.T, c *localcluster.Cluster) component.Component {
	t.Helper()
	for _, comp := range c.Set.Components {
		if comp.Name == "kube-apiserver" {
			return comp
		}
	}
	t.Fatalf("no kube-apiserver in %s", c.Set.Name)
	return component.Component{}
}

func TestBuild(t *testing.T) {
	g := NewWithT(t)
	c := mustBuild(t, options(t, t.TempDir()))

	g.Expect(c.Set.Name).To(Equal("garden"))
	g.Expect(c.Set.Validate()).To(Succeed())
	g.Expect(c.Set.Components).To(HaveLen(2))
	g.Expect(c.Set.Components[0].Name).To(Equal("etcd"))
	kas := kubeAPIServer(t, c)
	g.Expect(kas.DependsOn).To(ConsistOf("etcd"))
	g.Expect(kas.Args).To(ContainElements(
		"--enable-aggregator-routing=false",
		"--service-cluster-ip-range=10.0.0.0/24",
		"--etcd-servers="+c.EtcdURL,
	))
	g.Expect(c.URL).To(Equal("https://127.0.0.1:" + strconv.Itoa(kas.Port("https"))))
	g.Expect(c.EtcdURL).To(HavePrefix("https://127.0.0.1:"))

	for name, ca := range map[string]*pki.CertKeyPair{"ca": c.CA, "client-ca": c.ClientCA, "front-proxy-ca": c.FrontProxyCA, "etcd-ca": c.EtcdCA} {
		g.Expect(ca.Cert.IsCA).To(BeTrue(), name)
		g.Expect(ca.Cert.Subject.CommonName).To(Equal("hortus-garden-"+name), name)
	}
	g.Expect(c.EtcdClient.Verify(c.EtcdCA.Cert)).To(Succeed())

	serving, err := pki.ReadPair(c.PKIDir, "kube-apiserver")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(serving.Verify(c.CA.Cert)).To(Succeed())
	g.Expect(serving.Cert.IPAddresses).To(ContainElement(net.ParseIP("10.0.0.1").To4()))
	g.Expect(serving.Cert.DNSNames).To(ContainElement("kubernetes.default.svc"))

	g.Expect(c.Admin.Host).To(Equal(c.URL))
	g.Expect(c.Admin.CAData).To(Equal(c.CA.CertPEM))
	admin, err := pki.ParseCertificatePEM(c.Admin.CertData)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(admin.Subject.Organization).To(ConsistOf("system:masters"))
	g.Expect((&pki.CertKeyPair{Cert: admin}).Verify(c.ClientCA.Cert)).To(Succeed())
}

// A second Build on the same directories describes the same processes, byte for byte, so
// that the process executor adopts running ones.
func TestBuildIsStable(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	first := mustBuild(t, options(t, dir))
	second := mustBuild(t, options(t, dir))

	g.Expect(second.Set).To(Equal(first.Set))
	for i := range first.Set.Components {
		g.Expect(second.Set.Components[i].Hash()).To(Equal(first.Set.Components[i].Hash()))
	}
	g.Expect(second.URL).To(Equal(first.URL))
	g.Expect(second.EtcdURL).To(Equal(first.EtcdURL))
	g.Expect(second.Admin.CertData).To(Equal(first.Admin.CertData))
	g.Expect(second.CA.CertPEM).To(Equal(first.CA.CertPEM))

	// A new CA re-issues what it signed.
	g.Expect(os.Remove(pki.CertPath(first.PKIDir, "ca"))).To(Succeed())
	g.Expect(os.Remove(pki.KeyPath(first.PKIDir, "ca"))).To(Succeed())
	third := mustBuild(t, options(t, dir))
	g.Expect(third.CA.CertPEM).NotTo(Equal(first.CA.CertPEM))
	g.Expect(kubeAPIServer(t, third).Hash()).NotTo(Equal(kubeAPIServer(t, first).Hash()))
	serving, err := pki.ReadPair(third.PKIDir, "kube-apiserver")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(serving.Verify(third.CA.Cert)).To(Succeed())
}

func TestBuildOptions(t *testing.T) {
	g := NewWithT(t)
	o := options(t, t.TempDir())
	o.Name = "seed-local-2"
	o.ServiceClusterIPRange = "10.96.0.0/12"
	o.ExtraArgs = map[string]string{"enable-aggregator-routing": "true", "v": "2"}
	c := mustBuild(t, o)

	g.Expect(c.Set.Name).To(Equal("seed-local-2"))
	g.Expect(c.CA.Cert.Subject.CommonName).To(Equal("hortus-seed-local-2-ca"))
	g.Expect(kubeAPIServer(t, c).Args).To(ContainElements(
		"--enable-aggregator-routing=true",
		"--v=2",
		"--service-cluster-ip-range=10.96.0.0/12",
	))
	serving, err := pki.ReadPair(c.PKIDir, "kube-apiserver")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(serving.Cert.IPAddresses).To(ContainElement(net.ParseIP("10.96.0.1").To4()))
	owners, err := o.Ports.Owners()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(owners).To(ConsistOf("seed-local-2"))
}

func TestBuildInvalidOptions(t *testing.T) {
	tests := []struct {
		name   string
		change func(*localcluster.Options)
		want   string
	}{
		{name: "no name", change: func(o *localcluster.Options) { o.Name = "" }, want: "name is required"},
		{name: "no PKI dir", change: func(o *localcluster.Options) { o.PKIDir = "" }, want: "PKI directory is required"},
		{name: "no port allocator", change: func(o *localcluster.Options) { o.Ports = nil }, want: "port allocator is required"},
		{name: "negative CA validity", change: func(o *localcluster.Options) { o.CAValidity = -1 }, want: "CA validity"},
		{name: "bad service range", change: func(o *localcluster.Options) { o.ServiceClusterIPRange = "10.0.0.0" }, want: "service cluster IP range"},
		{name: "service range without room", change: func(o *localcluster.Options) { o.ServiceClusterIPRange = "10.0.0.0/32" }, want: "no address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			o := options(t, t.TempDir())
			tt.change(&o)
			c, err := localcluster.Build(o)
			g.Expect(err).To(MatchError(ContainSubstring(tt.want)))
			g.Expect(c).To(BeNil())
		})
	}
}

// A damaged file in the PKI directory stops Build with an error that names the file and
// says what to do, and the file stays as it is.
func TestBuildDamagedPKI(t *testing.T) {
	tests := []struct {
		name string
		file string
		// advice is what the error tells the user to remove; "<dir>" stands for the PKI dir.
		advice string
	}{
		{name: "CA certificate", file: "ca.crt", advice: "remove <dir>"},
		{name: "CA key", file: "client-ca.key", advice: "remove <dir>"},
		{name: "leaf certificate", file: "kube-apiserver.crt", advice: "remove <dir>/kube-apiserver.crt and <dir>/kube-apiserver.key"},
		{name: "admin key", file: "admin.key", advice: "remove <dir>/admin.crt and <dir>/admin.key"},
		{name: "service account key", file: "service-account.key", advice: "remove it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			o := options(t, t.TempDir())
			mustBuild(t, o)
			path := filepath.Join(o.PKIDir, tt.file)
			g.Expect(os.WriteFile(path, []byte("garbage"), 0o600)).To(Succeed())

			c, err := localcluster.Build(o)

			t.Log(err)
			g.Expect(c).To(BeNil())
			g.Expect(err).To(MatchError(pki.ErrInvalidFile))
			g.Expect(err.Error()).To(ContainSubstring(path))
			g.Expect(err.Error()).To(ContainSubstring(strings.ReplaceAll(tt.advice, "<dir>", o.PKIDir)))
			content, err := os.ReadFile(path)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(string(content)).To(Equal("garbage"))
		})
	}
}

func TestUserConfig(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	c := mustBuild(t, options(t, dir))

	cfg, err := c.UserConfig("alice", "dev", "ops")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cfg.Host).To(Equal(c.URL))
	g.Expect(cfg.QPS).To(BeEquivalentTo(1000))
	g.Expect(cfg.Burst).To(Equal(2000))
	pair, err := pki.ParseCertKeyPair(cfg.CertData, cfg.KeyData)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(pair.Cert.Subject.CommonName).To(Equal("alice"))
	g.Expect(pair.Cert.Subject.Organization).To(ConsistOf("dev", "ops"))
	g.Expect(pair.Verify(c.ClientCA.Cert)).To(Succeed())

	again, err := c.UserConfig("alice", "dev", "ops")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(again.CertData).NotTo(Equal(cfg.CertData), "UserConfig issues a new certificate")

	stored, err := c.PersistentUserConfig("system:serviceaccount:garden/robot", "robots")
	g.Expect(err).NotTo(HaveOccurred())
	storedPair, err := pki.ParseCertKeyPair(stored.CertData, stored.KeyData)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(storedPair.Cert.Subject.CommonName).To(Equal("system:serviceaccount:garden/robot"))
	g.Expect(storedPair.Cert.Subject.Organization).To(ConsistOf("robots"))
	g.Expect(pki.CertPath(c.PKIDir, "user-system:serviceaccount:garden%2Frobot")).To(BeAnExistingFile())
	// A second call, also on a new Build of the same cluster, reuses the certificate.
	again, err = c.PersistentUserConfig("system:serviceaccount:garden/robot", "robots")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(again.CertData).To(Equal(stored.CertData))
	again, err = mustBuild(t, options(t, dir)).PersistentUserConfig("system:serviceaccount:garden/robot", "robots")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(again.CertData).To(Equal(stored.CertData))
}

func TestKubeconfig(t *testing.T) {
	g := NewWithT(t)
	c := mustBuild(t, options(t, t.TempDir()))
	path := filepath.Join(t.TempDir(), "admin.kubeconfig")

	g.Expect(c.WriteKubeconfig(c.Admin, "garden", "admin", path)).To(Succeed())
	data, err := os.ReadFile(path)
	g.Expect(err).NotTo(HaveOccurred())
	rendered, err := c.Kubeconfig(c.Admin, "garden", "admin")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rendered).To(Equal(data))

	kc, err := clientcmd.Load(data)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(kc.CurrentContext).To(Equal("garden"))
	g.Expect(kc.Clusters["garden"].Server).To(Equal(c.URL))
	g.Expect(kc.Clusters["garden"].CertificateAuthorityData).To(Equal(c.CA.CertPEM))
	g.Expect(kc.AuthInfos["admin"].ClientCertificateData).To(Equal(c.Admin.CertData))

	// Host and CA default to the cluster's.
	token, err := c.Kubeconfig(&rest.Config{BearerToken: "t"}, "garden", "robot")
	g.Expect(err).NotTo(HaveOccurred())
	kc, err = clientcmd.Load(token)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(kc.Clusters["garden"].Server).To(Equal(c.URL))
	g.Expect(kc.Clusters["garden"].CertificateAuthorityData).To(Equal(c.CA.CertPEM))
	g.Expect(kc.AuthInfos["robot"].Token).To(Equal("t"))
}
