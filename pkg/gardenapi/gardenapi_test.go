package gardenapi_test

import (
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/gardenapi"
	"github.com/hortus-dev/hortus/pkg/localcluster"
	"github.com/hortus-dev/hortus/pkg/pki"
	"github.com/hortus-dev/hortus/pkg/ports"
)

func cluster(t *testing.T, dir string) *localcluster.Cluster {
	t.Helper()
	c, err := localcluster.Build(localcluster.Options{
		Name:   "garden",
		PKIDir: filepath.Join(dir, "pki"),
		Ports:  ports.New(filepath.Join(dir, "ports.json")),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// file returns the content of the file at path in comp.
func file(t *testing.T, comp component.Component, path string) []byte {
	t.Helper()
	for _, f := range comp.Files {
		if f.Path == path {
			return f.Content
		}
	}
	t.Fatalf("component %s has no file %s", comp.Name, path)
	return nil
}

func TestComponent(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	c := cluster(t, dir)

	comp, err := gardenapi.Component(c, c.PKIDir, 12345)
	g.Expect(err).NotTo(HaveOccurred())

	g.Expect(comp.Name).To(Equal("hortus-apiserver"))
	g.Expect(comp.DependsOn).To(ConsistOf("kube-apiserver"))
	g.Expect(comp.Port("https")).To(Equal(12345))
	g.Expect(comp.Args).To(ContainElements("apiserver", "--secure-port=12345", "--etcd-servers="+c.EtcdURL))
	set := component.Set{Name: c.Set.Name, Components: append(append([]component.Component{}, c.Set.Components...), comp)}
	g.Expect(set.Validate()).To(Succeed())

	serving, err := pki.ReadPair(c.PKIDir, "hortus-apiserver")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(serving.Verify(c.CA.Cert)).To(Succeed())
	g.Expect(serving.Cert.DNSNames).To(ContainElements("localhost", gardenapi.ServiceName+"."+gardenapi.ServiceNamespace+".svc"))
	g.Expect(file(t, comp, "pki/hortus-apiserver.crt")).To(Equal(serving.CertPEM))

	kc, err := clientcmd.Load(file(t, comp, "garden.kubeconfig"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(kc.Clusters[kc.Contexts[kc.CurrentContext].Cluster].Server).To(Equal(c.URL))
	user, err := pki.ParseCertKeyPair(kc.AuthInfos[gardenapi.User].ClientCertificateData, kc.AuthInfos[gardenapi.User].ClientKeyData)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(user.Cert.Subject.CommonName).To(Equal(gardenapi.User))
	g.Expect(user.Verify(c.ClientCA.Cert)).To(Succeed())

	// The same cluster and directory give the same description, so that a running Hortus
	// API server is adopted rather than restarted.
	again, err := gardenapi.Component(cluster(t, dir), c.PKIDir, 12345)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(again.Hash()).To(Equal(comp.Hash()))
}

func TestComponentDamagedCertificate(t *testing.T) {
	g := NewWithT(t)
	c := cluster(t, t.TempDir())
	pkiDir := t.TempDir()
	g.Expect(pki.WritePair(pkiDir, "hortus-apiserver", &pki.CertKeyPair{CertPEM: []byte("garbage"), KeyPEM: []byte("garbage")})).To(Succeed())

	_, err := gardenapi.Component(c, pkiDir, 12345)
	g.Expect(err).To(MatchError(pki.ErrInvalidFile))
	g.Expect(err.Error()).To(ContainSubstring(pki.CertPath(pkiDir, "hortus-apiserver")))
}

func TestAPIServices(t *testing.T) {
	g := NewWithT(t)
	var names []string
	preferred := map[string]int64{}
	for _, s := range gardenapi.APIServices {
		names = append(names, s.Name())
		preferred[s.Group] = max(preferred[s.Group], s.VersionPriority)
	}
	g.Expect(names).To(ConsistOf(
		"v1beta1.core.gardener.cloud", "v1.core.gardener.cloud",
		"v1alpha1.security.gardener.cloud", "v1alpha1.seedmanagement.gardener.cloud",
	))
	// v1beta1 is core.gardener.cloud's preferred version, as in Gardener.
	for _, s := range gardenapi.APIServices {
		if s.Group == "core.gardener.cloud" {
			g.Expect(s.VersionPriority == preferred[s.Group]).To(Equal(s.Version == "v1beta1"), s.Name())
		}
	}
}
