package shootpki_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/testr"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/hortus-dev/hortus/pkg/pki"
	"github.com/hortus-dev/hortus/pkg/shootpki"
)

const namespace = "shoot--local--dev"

func testConfig() shootpki.Config {
	return shootpki.Config{Namespace: namespace, ServiceCIDR: "10.0.0.0/24"}
}

func testContext(t *testing.T) context.Context {
	return logr.NewContext(t.Context(), testr.New(t))
}

// mustEnsure runs Ensure and fails the test on an error.
func mustEnsure(t *testing.T, c client.Client, cfg shootpki.Config) *shootpki.PKI {
	t.Helper()
	p, err := shootpki.Ensure(testContext(t), c, cfg)
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	return p
}

// secrets returns the Secrets in namespace by name.
func secrets(t *testing.T, c client.Client) map[string]corev1.Secret {
	t.Helper()
	var list corev1.SecretList
	if err := c.List(t.Context(), &list, client.InNamespace(namespace)); err != nil {
		t.Fatal(err)
	}
	out := make(map[string]corev1.Secret, len(list.Items))
	for _, s := range list.Items {
		out[s.Name] = s
	}
	return out
}

// changed returns the names of the Secrets in after that are new or have another
// resourceVersion than in before, sorted.
func changed(before, after map[string]corev1.Secret) []string {
	var names []string
	for name, s := range after {
		if b, ok := before[name]; !ok || b.ResourceVersion != s.ResourceVersion {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// modify changes the Secret name with f.
func modify(t *testing.T, c client.Client, name string, f func(*corev1.Secret)) {
	t.Helper()
	var s corev1.Secret
	if err := c.Get(t.Context(), client.ObjectKey{Namespace: namespace, Name: name}, &s); err != nil {
		t.Fatal(err)
	}
	f(&s)
	if err := c.Update(t.Context(), &s); err != nil {
		t.Fatal(err)
	}
}

func mustCA(t *testing.T, cn string) *pki.CertKeyPair {
	t.Helper()
	ca, err := pki.NewCA(cn, time.Hour*24*365)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// leaves returns the certificates of p with the CA that should have signed each, by
// Secret name.
func leaves(p *shootpki.PKI) map[string][2]*pki.CertKeyPair {
	return map[string][2]*pki.CertKeyPair{
		shootpki.SecretEtcdServer:            {p.EtcdServer, p.EtcdCA},
		shootpki.SecretEtcdClient:            {p.EtcdClient, p.EtcdCA},
		shootpki.SecretKubeAPIServer:         {p.APIServer, p.ClusterCA},
		shootpki.SecretFrontProxyClient:      {p.FrontProxyClient, p.FrontProxyCA},
		shootpki.SecretKubeletClient:         {p.KubeletClient, p.KubeletCA},
		shootpki.SecretKubeControllerManager: {p.ControllerManager, p.ClientCA},
		shootpki.SecretKubeScheduler:         {p.Scheduler, p.ClientCA},
		shootpki.SecretGardenlet:             {p.Gardenlet, p.ClientCA},
	}
}

func cas(p *shootpki.PKI) map[string]*pki.CertKeyPair {
	return map[string]*pki.CertKeyPair{
		shootpki.SecretCA:           p.ClusterCA,
		shootpki.SecretCAClient:     p.ClientCA,
		shootpki.SecretCAEtcd:       p.EtcdCA,
		shootpki.SecretCAFrontProxy: p.FrontProxyCA,
		shootpki.SecretCAKubelet:    p.KubeletCA,
	}
}

func ipStrings(ips []net.IP) []string {
	out := make([]string, 0, len(ips))
	for _, ip := range ips {
		out = append(out, ip.String())
	}
	return out
}

func TestEnsureCreatesAllSecrets(t *testing.T) {
	g := NewWithT(t)
	c := fake.NewClientBuilder().Build()
	p := mustEnsure(t, c, testConfig())

	stored := secrets(t, c)
	g.Expect(stored).To(HaveLen(len(shootpki.SecretNames())))
	for _, name := range shootpki.SecretNames() {
		g.Expect(stored).To(HaveKey(name))
		s := stored[name]
		g.Expect(s.Type).To(Equal(corev1.SecretTypeOpaque), name)
		g.Expect(s.Labels).To(Equal(map[string]string{"managed-by": "hortus-gardenlet", "hortus.dev/shoot-pki": name}), name)
	}

	for name, ca := range cas(p) {
		g.Expect(ca.Cert.IsCA).To(BeTrue(), name)
		g.Expect(ca.Cert.Subject.CommonName).To(Equal(namespace+":"+name), name)
		g.Expect(ca.Cert.NotAfter.Sub(ca.Cert.NotBefore)).To(BeNumerically(">=", shootpki.CAValidity), name)
		g.Expect(ca.Verify(ca.Cert)).To(Succeed(), name)
		g.Expect(stored[name].Data).To(Equal(map[string][]byte{"ca.crt": ca.CertPEM, "ca.key": ca.KeyPEM}), name)
	}
	for name, l := range leaves(p) {
		leaf, ca := l[0], l[1]
		g.Expect(leaf.Verify(ca.Cert)).To(Succeed(), name)
		g.Expect(leaf.Cert.IsCA).To(BeFalse(), name)
		g.Expect(stored[name].Data).To(Equal(map[string][]byte{"tls.crt": leaf.CertPEM, "tls.key": leaf.KeyPEM, "ca.crt": ca.CertPEM}), name)
		for otherName, other := range cas(p) {
			if other != ca {
				g.Expect(leaf.Verify(other.Cert)).NotTo(Succeed(), "%s must not verify against %s", name, otherName)
			}
		}
	}
	g.Expect(stored["service-account-key"].Data).To(Equal(map[string][]byte{"key": p.ServiceAccountKey, "pub": p.ServiceAccountPub}))
	g.Expect(stored["etcd-encryption-key"].Data).To(Equal(map[string][]byte{"encryption-config.yaml": p.EncryptionConfig}))

	g.Expect(p.APIServer.Cert.Subject.CommonName).To(Equal("kube-apiserver"))
	g.Expect(p.APIServer.Cert.DNSNames).To(ConsistOf("localhost", "kubernetes", "kubernetes.default",
		"kubernetes.default.svc", "kubernetes.default.svc.cluster.local"))
	g.Expect(ipStrings(p.APIServer.Cert.IPAddresses)).To(ConsistOf("127.0.0.1", "10.0.0.1"))
	g.Expect(p.APIServer.Cert.ExtKeyUsage).To(ConsistOf(x509.ExtKeyUsageServerAuth))

	g.Expect(p.EtcdServer.Cert.DNSNames).To(ConsistOf("localhost"))
	g.Expect(ipStrings(p.EtcdServer.Cert.IPAddresses)).To(ConsistOf("127.0.0.1"))
	g.Expect(p.EtcdServer.Cert.ExtKeyUsage).To(ConsistOf(x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth))

	for _, tc := range []struct {
		pair *pki.CertKeyPair
		cn   string
		orgs []string
	}{
		{p.EtcdClient, "etcd-client", nil},
		{p.FrontProxyClient, "front-proxy-client", nil},
		{p.KubeletClient, "kube-apiserver-kubelet-client", []string{"system:masters"}},
		{p.ControllerManager, "system:kube-controller-manager", nil},
		{p.Scheduler, "system:kube-scheduler", nil},
		{p.Gardenlet, "hortus:gardenlet", []string{"system:masters"}},
	} {
		g.Expect(tc.pair.Cert.Subject.CommonName).To(Equal(tc.cn))
		g.Expect(tc.pair.Cert.Subject.Organization).To(Equal(tc.orgs), tc.cn)
		g.Expect(tc.pair.Cert.ExtKeyUsage).To(ConsistOf(x509.ExtKeyUsageClientAuth), tc.cn)
		g.Expect(tc.pair.Cert.NotAfter.Sub(tc.pair.Cert.NotBefore)).To(BeNumerically("~", shootpki.LeafValidity, 2*time.Minute), tc.cn)
	}
}

func TestEnsureTwiceChangesNothing(t *testing.T) {
	g := NewWithT(t)
	c := fake.NewClientBuilder().Build()
	first := mustEnsure(t, c, testConfig())
	before := secrets(t, c)

	second := mustEnsure(t, c, testConfig())

	g.Expect(changed(before, secrets(t, c))).To(BeEmpty())
	g.Expect(second).To(Equal(first))
}

func TestEnsureSANs(t *testing.T) {
	g := NewWithT(t)
	c := fake.NewClientBuilder().Build()
	cfg := shootpki.Config{
		Namespace:         namespace,
		ServiceCIDR:       "10.4.0.0/16, fd00:10:4::/108",
		ClusterDomain:     "example.internal",
		APIServerDNSNames: []string{"api.dev.local.example", "localhost", ""},
		APIServerIPs:      []net.IP{net.ParseIP("192.0.2.10"), net.ParseIP("127.0.0.1"), nil},
		EtcdDNSNames:      []string{"etcd-main", "etcd-main." + namespace + ".svc"},
		EtcdIPs:           []net.IP{net.ParseIP("192.0.2.20")},
	}
	p := mustEnsure(t, c, cfg)

	g.Expect(p.APIServer.Cert.DNSNames).To(ConsistOf("localhost", "kubernetes", "kubernetes.default",
		"kubernetes.default.svc", "kubernetes.default.svc.example.internal", "api.dev.local.example"))
	g.Expect(ipStrings(p.APIServer.Cert.IPAddresses)).To(ConsistOf("127.0.0.1", "10.4.0.1", "fd00:10:4::1", "192.0.2.10"))
	g.Expect(p.EtcdServer.Cert.DNSNames).To(ConsistOf("localhost", "etcd-main", "etcd-main."+namespace+".svc"))
	g.Expect(ipStrings(p.EtcdServer.Cert.IPAddresses)).To(ConsistOf("127.0.0.1", "192.0.2.20"))

	// The same names in another order keep the certificates.
	before := secrets(t, c)
	slices.Reverse(cfg.APIServerDNSNames)
	slices.Reverse(cfg.EtcdDNSNames)
	mustEnsure(t, c, cfg)
	g.Expect(changed(before, secrets(t, c))).To(BeEmpty())
}

func TestEnsureRenews(t *testing.T) {
	allLeaves := []string{
		"etcd-client", "etcd-server", "gardenlet", "kube-apiserver", "kube-apiserver-front-proxy-client",
		"kube-apiserver-kubelet-client", "kube-controller-manager", "kube-scheduler",
	}
	for _, tc := range []struct {
		name string
		// modify changes what Ensure stored first.
		modify func(t *testing.T, c client.Client, p *shootpki.PKI)
		// config changes the configuration of the second Ensure.
		config      func(cfg *shootpki.Config)
		wantChanged []string
		// wantReissued are the certificates that are issued again; the others are kept.
		wantReissued []string
		// check checks the result of the second Ensure against the first.
		check func(g *WithT, before, after *shootpki.PKI)
	}{
		{
			name:         "changed API server SAN",
			config:       func(cfg *shootpki.Config) { cfg.APIServerDNSNames = []string{"api.example.com"} },
			wantChanged:  []string{"kube-apiserver"},
			wantReissued: []string{"kube-apiserver"},
			check: func(g *WithT, _, after *shootpki.PKI) {
				g.Expect(after.APIServer.Cert.DNSNames).To(ContainElement("api.example.com"))
			},
		},
		{
			name:         "changed service CIDR",
			config:       func(cfg *shootpki.Config) { cfg.ServiceCIDR = "10.1.0.0/16" },
			wantChanged:  []string{"kube-apiserver"},
			wantReissued: []string{"kube-apiserver"},
			check: func(g *WithT, _, after *shootpki.PKI) {
				g.Expect(ipStrings(after.APIServer.Cert.IPAddresses)).To(ContainElement("10.1.0.1"))
			},
		},
		{
			name:         "changed etcd IP",
			config:       func(cfg *shootpki.Config) { cfg.EtcdIPs = []net.IP{net.ParseIP("192.0.2.1")} },
			wantChanged:  []string{"etcd-server"},
			wantReissued: []string{"etcd-server"},
		},
		{
			name: "certificate from a foreign CA",
			modify: func(t *testing.T, c client.Client, _ *shootpki.PKI) {
				foreign, err := mustCA(t, "foreign").Issue(pki.CertConfig{CommonName: "etcd-client", Client: true})
				if err != nil {
					t.Fatal(err)
				}
				modify(t, c, "etcd-client", func(s *corev1.Secret) {
					s.Data["tls.crt"], s.Data["tls.key"] = foreign.CertPEM, foreign.KeyPEM
				})
			},
			wantChanged:  []string{"etcd-client"},
			wantReissued: []string{"etcd-client"},
		},
		{
			name: "unparseable key",
			modify: func(t *testing.T, c client.Client, _ *shootpki.PKI) {
				modify(t, c, "kube-scheduler", func(s *corev1.Secret) { s.Data["tls.key"] = []byte("garbage") })
			},
			wantChanged:  []string{"kube-scheduler"},
			wantReissued: []string{"kube-scheduler"},
		},
		{
			name: "key of another certificate",
			modify: func(t *testing.T, c client.Client, p *shootpki.PKI) {
				modify(t, c, "gardenlet", func(s *corev1.Secret) { s.Data["tls.key"] = p.Scheduler.KeyPEM })
			},
			wantChanged:  []string{"gardenlet"},
			wantReissued: []string{"gardenlet"},
		},
		{
			name: "deleted certificate",
			modify: func(t *testing.T, c client.Client, _ *shootpki.PKI) {
				s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "kube-controller-manager"}}
				if err := c.Delete(t.Context(), s); err != nil {
					t.Fatal(err)
				}
			},
			wantChanged:  []string{"kube-controller-manager"},
			wantReissued: []string{"kube-controller-manager"},
		},
		{
			name: "certificates due for renewal",
			config: func(cfg *shootpki.Config) {
				cfg.Clock = clocktesting.NewFakePassiveClock(time.Now().Add(300 * 24 * time.Hour))
			},
			wantChanged:  allLeaves,
			wantReissued: allLeaves,
		},
		{
			name: "wrong CA certificate next to a good certificate",
			modify: func(t *testing.T, c client.Client, _ *shootpki.PKI) {
				modify(t, c, "kube-apiserver-front-proxy-client", func(s *corev1.Secret) { s.Data["ca.crt"] = []byte("garbage") })
			},
			wantChanged: []string{"kube-apiserver-front-proxy-client"},
			check: func(g *WithT, before, after *shootpki.PKI) {
				g.Expect(after.FrontProxyClient).To(Equal(before.FrontProxyClient), "the certificate is kept")
			},
		},
		{
			name: "missing labels",
			modify: func(t *testing.T, c client.Client, _ *shootpki.PKI) {
				modify(t, c, "ca", func(s *corev1.Secret) { s.Labels = nil })
			},
			wantChanged: []string{"ca"},
		},
		{
			name: "wrong service account public key",
			modify: func(t *testing.T, c client.Client, p *shootpki.PKI) {
				modify(t, c, "service-account-key", func(s *corev1.Secret) { s.Data["pub"] = p.ServiceAccountKey })
			},
			wantChanged: []string{"service-account-key"},
		},
		{
			name: "foreign data and labels are kept",
			modify: func(t *testing.T, c client.Client, _ *shootpki.PKI) {
				for _, name := range shootpki.SecretNames() {
					modify(t, c, name, func(s *corev1.Secret) {
						s.Data["note"] = []byte("kept")
						s.Labels["team"] = "a"
					})
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			c := fake.NewClientBuilder().Build()
			cfg := testConfig()
			first := mustEnsure(t, c, cfg)
			if tc.modify != nil {
				tc.modify(t, c, first)
			}
			if tc.config != nil {
				tc.config(&cfg)
			}
			before := secrets(t, c)

			second := mustEnsure(t, c, cfg)

			after := secrets(t, c)
			g.Expect(changed(before, after)).To(Equal(tc.wantChanged))
			g.Expect(cas(second)).To(Equal(cas(first)), "CAs are never replaced")
			for name, l := range leaves(second) {
				leaf, ca := l[0], l[1]
				g.Expect(leaf.Verify(ca.Cert)).To(Succeed(), name)
				g.Expect(after[name].Data).To(HaveKeyWithValue("tls.crt", leaf.CertPEM), name)
				g.Expect(after[name].Data).To(HaveKeyWithValue("tls.key", leaf.KeyPEM), name)
				g.Expect(after[name].Data).To(HaveKeyWithValue("ca.crt", ca.CertPEM), name)
				if slices.Contains(tc.wantReissued, name) {
					g.Expect(leaf.Cert.SerialNumber).NotTo(Equal(leaves(first)[name][0].Cert.SerialNumber), "%s is issued again", name)
				} else {
					g.Expect(leaf.CertPEM).To(Equal(leaves(first)[name][0].CertPEM), "%s is kept", name)
				}
			}
			for _, s := range after {
				g.Expect(s.Labels).To(HaveKeyWithValue("managed-by", "hortus-gardenlet"), s.Name)
				g.Expect(s.Labels).To(HaveKeyWithValue("hortus.dev/shoot-pki", s.Name), s.Name)
			}
			g.Expect(second.ServiceAccountKey).To(Equal(first.ServiceAccountKey))
			g.Expect(second.ServiceAccountPub).To(Equal(first.ServiceAccountPub))
			g.Expect(after["service-account-key"].Data).To(HaveKeyWithValue("pub", first.ServiceAccountPub))
			g.Expect(second.EncryptionConfig).To(Equal(first.EncryptionConfig))
			if tc.check != nil {
				tc.check(g, first, second)
			}

			// The result is stable. (The certificates renewed at a time in the future are
			// due again then, but not now.)
			cfg.Clock = nil
			g.Expect(mustEnsure(t, c, cfg)).To(Equal(second))
			g.Expect(changed(after, secrets(t, c))).To(BeEmpty())
		})
	}
}

func TestEnsureRefusesUnusableSecrets(t *testing.T) {
	other := mustCA(t, "other")
	leaf, err := other.Issue(pki.CertConfig{CommonName: "leaf", Client: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		secret string
		modify func(s *corev1.Secret)
	}{
		{"unparseable CA certificate", "ca-etcd", func(s *corev1.Secret) { s.Data["ca.crt"] = []byte("garbage") }},
		{"unparseable CA key", "ca", func(s *corev1.Secret) {
			s.Data["ca.key"] = []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
		}},
		{"key of another CA", "ca-client", func(s *corev1.Secret) { s.Data["ca.key"] = other.KeyPEM }},
		{"certificate that is not a CA", "ca-front-proxy", func(s *corev1.Secret) {
			s.Data["ca.crt"], s.Data["ca.key"] = leaf.CertPEM, leaf.KeyPEM
		}},
		{"CA Secret without data", "ca-kubelet", func(s *corev1.Secret) { s.Data = nil }},
		{"unparseable service account key", "service-account-key", func(s *corev1.Secret) { s.Data["key"] = []byte("garbage") }},
		{"unparseable encryption configuration", "etcd-encryption-key", func(s *corev1.Secret) {
			s.Data["encryption-config.yaml"] = []byte("resources: [")
		}},
		{"encryption configuration without secrets", "etcd-encryption-key", func(s *corev1.Secret) {
			s.Data["encryption-config.yaml"] = []byte(`apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [configmaps]
  providers:
  - identity: {}
`)
		}},
		{"encryption key of the wrong size", "etcd-encryption-key", func(s *corev1.Secret) {
			s.Data["encryption-config.yaml"] = []byte(`apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aescbc:
      keys:
      - name: key1
        secret: c2hvcnQ=
  - identity: {}
`)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			c := fake.NewClientBuilder().Build()
			mustEnsure(t, c, testConfig())
			modify(t, c, tc.secret, tc.modify)
			before := secrets(t, c)

			_, err := shootpki.Ensure(testContext(t), c, testConfig())

			g.Expect(err).To(MatchError(shootpki.ErrInvalidSecret))
			g.Expect(err.Error()).To(ContainSubstring(namespace + "/" + tc.secret))
			g.Expect(secrets(t, c)).To(Equal(before), "nothing is written")
		})
	}
}

func TestEnsureInvalidConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     shootpki.Config
		wantErr string
	}{
		{"no namespace", shootpki.Config{ServiceCIDR: "10.0.0.0/24"}, "namespace is required"},
		{"no service CIDR", shootpki.Config{Namespace: namespace}, "service CIDR is required"},
		{"address instead of CIDR", shootpki.Config{Namespace: namespace, ServiceCIDR: "10.0.0.1"}, "service CIDR"},
		{"CIDR without room for the Service", shootpki.Config{Namespace: namespace, ServiceCIDR: "10.0.0.0/24,10.0.0.7/32"}, "no address for the kubernetes Service"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			c := fake.NewClientBuilder().Build()
			_, err := shootpki.Ensure(testContext(t), c, tc.cfg)
			g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
			g.Expect(secrets(t, c)).To(BeEmpty())
		})
	}
}

// A second gardenlet creates the cluster CA between this one's Get and Create: this one
// must use the stored CA.
func TestEnsureConvergesOnConcurrentCreate(t *testing.T) {
	g := NewWithT(t)
	var winner *pki.CertKeyPair
	c := fake.NewClientBuilder().WithInterceptorFuncs(interceptor.Funcs{
		Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			if obj.GetName() != "ca" || winner != nil {
				return c.Create(ctx, obj, opts...)
			}
			winner = mustCA(t, "other-gardenlet")
			if err := c.Create(ctx, &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "ca"},
				Data:       map[string][]byte{"ca.crt": winner.CertPEM, "ca.key": winner.KeyPEM},
			}); err != nil {
				return err
			}
			return apierrors.NewAlreadyExists(corev1.Resource("secrets"), obj.GetName())
		},
	}).Build()

	p := mustEnsure(t, c, testConfig())

	g.Expect(winner).NotTo(BeNil(), "the race happened")
	g.Expect(p.ClusterCA.CertPEM).To(Equal(winner.CertPEM))
	g.Expect(p.ClusterCA.KeyPEM).To(Equal(winner.KeyPEM))
	g.Expect(p.APIServer.Verify(winner.Cert)).To(Succeed())
	stored := secrets(t, c)
	g.Expect(stored["ca"].Data).To(Equal(map[string][]byte{"ca.crt": winner.CertPEM, "ca.key": winner.KeyPEM}))
	g.Expect(stored["ca"].Labels).To(HaveKeyWithValue("hortus.dev/shoot-pki", "ca"))
	g.Expect(stored["kube-apiserver"].Data).To(HaveKeyWithValue("ca.crt", winner.CertPEM))
}

// A second gardenlet re-issues the kube-apiserver's certificate between this one's Get and
// Update: this one must use the stored certificate.
func TestEnsureConvergesOnConcurrentUpdate(t *testing.T) {
	g := NewWithT(t)
	base := fake.NewClientBuilder().Build()
	mustEnsure(t, base, testConfig())
	cfg := testConfig()
	cfg.APIServerDNSNames = []string{"api.example.com"}

	var winner *shootpki.PKI
	c := interceptor.NewClient(base, interceptor.Funcs{
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if obj.GetName() != "kube-apiserver" || winner != nil {
				return c.Update(ctx, obj, opts...)
			}
			var err error
			if winner, err = shootpki.Ensure(ctx, c, cfg); err != nil {
				return err
			}
			return apierrors.NewConflict(corev1.Resource("secrets"), obj.GetName(), nil)
		},
	})

	p := mustEnsure(t, c, cfg)

	g.Expect(winner).NotTo(BeNil(), "the race happened")
	g.Expect(p).To(Equal(winner))
	g.Expect(secrets(t, c)["kube-apiserver"].Data).To(HaveKeyWithValue("tls.crt", winner.APIServer.CertPEM))
}

func TestServiceAccountKeyPair(t *testing.T) {
	g := NewWithT(t)
	p := mustEnsure(t, fake.NewClientBuilder().Build(), testConfig())

	key, err := pki.ParsePrivateKeyPEM(p.ServiceAccountKey)
	g.Expect(err).NotTo(HaveOccurred())
	block, rest := pem.Decode(p.ServiceAccountPub)
	g.Expect(rest).To(BeEmpty())
	g.Expect(block.Type).To(Equal("PUBLIC KEY"))
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub)).To(BeTrue(), "the public key belongs to the private key")
}

func TestKubeconfig(t *testing.T) {
	g := NewWithT(t)
	p := mustEnsure(t, fake.NewClientBuilder().Build(), testConfig())

	data, err := p.Kubeconfig("https://api.dev.local.example", p.Gardenlet, namespace, "gardenlet")
	g.Expect(err).NotTo(HaveOccurred())
	cfg, err := clientcmd.Load(data)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cfg.CurrentContext).To(Equal(namespace))
	g.Expect(cfg.Clusters[namespace].Server).To(Equal("https://api.dev.local.example"))
	g.Expect(cfg.Clusters[namespace].CertificateAuthorityData).To(Equal(p.ClusterCA.CertPEM))
	g.Expect(cfg.AuthInfos["gardenlet"].ClientCertificateData).To(Equal(p.Gardenlet.CertPEM))
	g.Expect(cfg.AuthInfos["gardenlet"].ClientKeyData).To(Equal(p.Gardenlet.KeyPEM))

	_, err = p.Kubeconfig("https://api.dev.local.example", nil, namespace, "nobody")
	g.Expect(err).To(HaveOccurred())
}

func TestSecretNames(t *testing.T) {
	g := NewWithT(t)
	g.Expect(shootpki.SecretNames()).To(Equal([]string{
		"ca", "ca-client", "ca-etcd", "ca-front-proxy", "ca-kubelet",
		"etcd-server", "etcd-client", "kube-apiserver", "kube-apiserver-front-proxy-client",
		"kube-apiserver-kubelet-client", "kube-controller-manager", "kube-scheduler", "gardenlet",
		"service-account-key", "etcd-encryption-key",
	}))
	names := shootpki.SecretNames()
	names[0] = "changed"
	g.Expect(shootpki.SecretNames()[0]).To(Equal("ca"), "callers get their own slice")
}
