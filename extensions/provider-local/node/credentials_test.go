package node

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	certificatesv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/clientcmd"
	testingclock "k8s.io/utils/clock/testing"

	"github.com/hortus-dev/hortus/pkg/pki"
)

// signingCluster is a fake API server whose CSRs are approved and signed by ca at once.
func signingCluster(t *testing.T, ca *pki.CertKeyPair) *fake.Clientset {
	t.Helper()
	client := fake.NewClientset()
	client.PrependReactor("create", "certificatesigningrequests", func(a k8stesting.Action) (bool, runtime.Object, error) {
		csr := a.(k8stesting.CreateAction).GetObject().(*certificatesv1.CertificateSigningRequest).DeepCopy()
		block, _ := pem.Decode(csr.Spec.Request)
		req, err := x509.ParseCertificateRequest(block.Bytes)
		if err != nil {
			return true, nil, err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(time.Now().UnixNano()),
			Subject:      req.Subject,
			NotBefore:    time.Now().Add(-time.Minute),
			NotAfter:     time.Now().Add(time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, req.PublicKey, ca.Key)
		if err != nil {
			return true, nil, err
		}
		csr.UID = "csr-uid"
		csr.Status.Conditions = []certificatesv1.CertificateSigningRequestCondition{{Type: certificatesv1.CertificateApproved, Status: "True"}}
		csr.Status.Certificate = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		// Store it as the API server would, so that waiting for it finds it.
		return true, csr, client.Tracker().Add(csr)
	})
	return client
}

func newTestCredentials(t *testing.T, clk *testingclock.FakeClock) *credentials {
	t.Helper()
	return &credentials{root: t.TempDir(), nodeName: "m-1", clock: clk, server: "https://127.0.0.1:6443", caData: []byte("ca")}
}

// storeCert writes a client certificate for user, as an earlier run of the node would.
func storeCert(t *testing.T, c *credentials, ca *pki.CertKeyPair, user string, validity time.Duration) {
	t.Helper()
	pair, err := ca.Issue(pki.CertConfig{CommonName: user, Organization: []string{NodesGroup}, Client: true, Validity: validity})
	if err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(onDisk(c.root, ClientCertPath), append(pair.CertPEM, pair.KeyPEM...), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestEnsureReusesAValidCertificate(t *testing.T) {
	g := NewWithT(t)
	ca, err := pki.NewCA("test-ca", 24*time.Hour)
	g.Expect(err).NotTo(HaveOccurred())
	c := newTestCredentials(t, testingclock.NewFakeClock(time.Now()))
	storeCert(t, c, ca, "system:node:m-1", 10*time.Hour)

	requested, err := c.ensure(context.Background(), logr.Discard(), func() (kubernetes.Interface, error) {
		return nil, errors.New("a node with a valid certificate must not bootstrap")
	})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(requested).To(BeFalse())

	cfg, err := c.restConfig()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cfg.Host).To(Equal("https://127.0.0.1:6443"))
	g.Expect(cfg.CertFile).To(Equal(onDisk(c.root, ClientCertPath)))
	g.Expect(cfg.KeyFile).To(Equal(onDisk(c.root, ClientCertPath)))
	g.Expect(cfg.ContentType).To(Equal("application/vnd.kubernetes.protobuf"))
}

func TestEnsureBootstraps(t *testing.T) {
	ca, err := pki.NewCA("test-ca", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		store func(*testing.T, *credentials)
		clock time.Time
	}{
		{name: "no certificate", store: func(*testing.T, *credentials) {}},
		{name: "expired certificate", store: func(t *testing.T, c *credentials) { storeCert(t, c, ca, "system:node:m-1", time.Hour) }, clock: time.Now().Add(2 * time.Hour)},
		{name: "another node's certificate", store: func(t *testing.T, c *credentials) { storeCert(t, c, ca, "system:node:m-2", time.Hour) }},
		{name: "garbage", store: func(t *testing.T, c *credentials) {
			if err := writeFileAtomic(onDisk(c.root, ClientCertPath), []byte("garbage"), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			// The stored certificate is judged at tt.clock (else now); the new one, which the
			// fake signs for an hour from now, is checked at the real time below.
			now := time.Now()
			if !tt.clock.IsZero() {
				now = tt.clock
			}
			c := newTestCredentials(t, testingclock.NewFakeClock(now))
			tt.store(t, c)
			client := signingCluster(t, ca)
			requested, err := c.ensure(context.Background(), logr.Discard(), func() (kubernetes.Interface, error) { return client, nil })
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(requested).To(BeTrue())

			csrs, err := client.CertificatesV1().CertificateSigningRequests().List(context.Background(), metav1.ListOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(csrs.Items).To(HaveLen(1))
			csr := csrs.Items[0]
			g.Expect(csr.Name).To(HavePrefix("node-csr-"))
			g.Expect(csr.Spec.SignerName).To(Equal(certificatesv1.KubeAPIServerClientKubeletSignerName))
			g.Expect(csr.Spec.Usages).To(ConsistOf(certificatesv1.UsageDigitalSignature, certificatesv1.UsageClientAuth))
			block, _ := pem.Decode(csr.Spec.Request)
			req, err := x509.ParseCertificateRequest(block.Bytes)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(req.Subject.CommonName).To(Equal("system:node:m-1"))
			g.Expect(req.Subject.Organization).To(Equal([]string{"system:nodes"}))

			c.clock = testingclock.NewFakeClock(time.Now())
			cert, err := c.current()
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(cert.Subject.CommonName).To(Equal("system:node:m-1"))
			_, err = os.Stat(onDisk(c.root, bootstrapKeyPath))
			g.Expect(err).To(MatchError(os.ErrNotExist), "the key of a finished request is removed")
			kc, err := clientcmd.LoadFromFile(onDisk(c.root, KubeconfigPath))
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(kc.Clusters["default-cluster"].Server).To(Equal("https://127.0.0.1:6443"))

			// A restart finds the certificate and asks for none.
			requested, err = c.ensure(context.Background(), logr.Discard(), func() (kubernetes.Interface, error) {
				return nil, errors.New("must not bootstrap again")
			})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(requested).To(BeFalse())
		})
	}
}

func TestPendingRequestKeepsItsName(t *testing.T) {
	g := NewWithT(t)
	c := newTestCredentials(t, testingclock.NewFakeClock(time.Now()))
	var names []string
	client := fake.NewClientset()
	client.PrependReactor("create", "certificatesigningrequests", func(a k8stesting.Action) (bool, runtime.Object, error) {
		names = append(names, a.(k8stesting.CreateAction).GetObject().(*certificatesv1.CertificateSigningRequest).Name)
		return true, nil, errors.New("API server unavailable")
	})
	for range 2 {
		_, err := c.ensure(context.Background(), logr.Discard(), func() (kubernetes.Interface, error) { return client, nil })
		g.Expect(err).To(MatchError(ContainSubstring("API server unavailable")))
	}
	g.Expect(names).To(HaveLen(2))
	g.Expect(names[1]).To(Equal(names[0]), "a restarted node submits the same CSR")
}

func TestRenewalIsDue(t *testing.T) {
	g := NewWithT(t)
	ca, err := pki.NewCA("test-ca", 24*time.Hour)
	g.Expect(err).NotTo(HaveOccurred())
	clk := testingclock.NewFakeClock(time.Now())
	c := newTestCredentials(t, clk)
	storeCert(t, c, ca, "system:node:m-1", 10*time.Hour)
	cert, err := c.current()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(c.renewalDue(cert)).To(BeFalse())
	clk.SetTime(cert.NotBefore.Add(cert.NotAfter.Sub(cert.NotBefore) * 9 / 10))
	g.Expect(c.renewalDue(cert)).To(BeTrue())
}
