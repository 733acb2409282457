package shoot_test

import (
	"context"
	"crypto/x509"
	"testing"
	"time"

	authenticationv1alpha1 "github.com/gardener/gardener/pkg/apis/authentication/v1alpha1"
	"github.com/gardener/gardener/pkg/apis/core"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authentication/user"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"

	"github.com/hortus-dev/hortus/pkg/apiserver"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/shoot"
	"github.com/hortus-dev/hortus/pkg/pki"
)

// getter is a rest.Getter over a map of objects by name.
type getter map[string]runtime.Object

func (g getter) Get(_ context.Context, name string, _ *metav1.GetOptions) (runtime.Object, error) {
	if obj, ok := g[name]; ok {
		return obj.DeepCopyObject(), nil
	}
	return nil, apierrors.NewNotFound(core.Resource("things"), name)
}

type kubeconfigFixture struct {
	clientCA, clusterCA *pki.CertKeyPair
	shoots, secrets     getter
	configMaps          *fake.Clientset
}

func newKubeconfigFixture(t *testing.T) *kubeconfigFixture {
	t.Helper()
	clientCA, err := pki.NewCA("client", 48*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	clusterCA, err := pki.NewCA("cluster", 48*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	s := newShoot()
	s.Status.AdvertisedAddresses = []core.ShootAdvertisedAddress{
		{Name: "external", URL: "https://api.s.example.com"},
		{Name: "service-account-issuer", URL: "https://discovery.example.com/projects/dev/shoots/uid/issuer"},
		{Name: "internal", URL: "https://api.s.internal.example.com:443"},
		{Name: "wildcard-tls-seed-bound", URL: "https://api-s.seed.example.com"},
	}
	return &kubeconfigFixture{
		clientCA:  clientCA,
		clusterCA: clusterCA,
		shoots:    getter{"s": s},
		secrets: getter{"s.ca-client": &core.InternalSecret{
			ObjectMeta: metav1.ObjectMeta{Name: "s.ca-client", Namespace: s.Namespace},
			Data:       map[string][]byte{"ca.crt": clientCA.CertPEM, "ca.key": clientCA.KeyPEM},
		}},
		configMaps: fake.NewClientset(&corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: "s.ca-cluster", Namespace: s.Namespace},
			Data:       map[string]string{"ca.crt": string(clusterCA.CertPEM)},
		}),
	}
}

func (f *kubeconfigFixture) options() shoot.KubeconfigOptions {
	return shoot.KubeconfigOptions{Scheme: apiserver.Scheme, Shoots: f.shoots, InternalSecrets: f.secrets, ConfigMaps: f.configMaps.CoreV1()}
}

func requestContext() context.Context {
	ctx := genericapirequest.WithNamespace(context.Background(), "garden-dev")
	return genericapirequest.WithUser(ctx, &user.DefaultInfo{Name: "alice", Groups: []string{"devs"}})
}

func adminRequest(seconds int64) *authenticationv1alpha1.AdminKubeconfigRequest {
	return &authenticationv1alpha1.AdminKubeconfigRequest{Spec: authenticationv1alpha1.AdminKubeconfigRequestSpec{ExpirationSeconds: ptr.To(seconds)}}
}

// clientCert returns the current context's client certificate of kubeconfig.
func clientCert(t *testing.T, kubeconfig []byte) *x509.Certificate {
	t.Helper()
	cfg, err := clientcmd.Load(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := pki.ParseCertificatePEM(cfg.AuthInfos[cfg.Contexts[cfg.CurrentContext].AuthInfo].ClientCertificateData)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestAdminKubeconfig(t *testing.T) {
	g := NewWithT(t)
	f := newKubeconfigFixture(t)
	start := time.Now()
	obj, err := shoot.NewAdminKubeconfigREST(f.options()).Create(requestContext(), "s", adminRequest(3600), nil, nil)
	g.Expect(err).NotTo(HaveOccurred())
	req := obj.(*authenticationv1alpha1.AdminKubeconfigRequest)

	cfg, err := clientcmd.Load(req.Status.Kubeconfig)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cfg.CurrentContext).To(Equal("garden-dev--s-external"))
	g.Expect(cfg.Clusters).To(HaveLen(3), "the issuer address leads to no kube-apiserver")
	g.Expect(cfg.Clusters["garden-dev--s-external"].Server).To(Equal("https://api.s.example.com"))
	g.Expect(cfg.Clusters["garden-dev--s-external"].CertificateAuthorityData).To(Equal(f.clusterCA.CertPEM))
	g.Expect(cfg.Clusters["garden-dev--s-internal"].Server).To(Equal("https://api.s.internal.example.com:443"))
	g.Expect(cfg.Clusters["garden-dev--s-wildcard-tls-seed-bound"].CertificateAuthorityData).To(BeEmpty(), "a publicly trusted certificate")
	g.Expect(cfg.Contexts).To(HaveLen(3))
	g.Expect(cfg.AuthInfos).To(HaveLen(1))

	cert := clientCert(t, req.Status.Kubeconfig)
	pool := x509.NewCertPool()
	pool.AddCert(f.clientCA.Cert)
	_, err = cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cert.Subject.CommonName).To(Equal("alice"))
	g.Expect(cert.Subject.Organization).To(ConsistOf("system:masters"))
	g.Expect(cert.NotAfter).To(BeTemporally("~", start.Add(time.Hour), 5*time.Second))
	g.Expect(req.Status.ExpirationTimestamp.Time).To(BeTemporally("==", cert.NotAfter))
}

func TestViewerKubeconfig(t *testing.T) {
	g := NewWithT(t)
	f := newKubeconfigFixture(t)
	in := &authenticationv1alpha1.ViewerKubeconfigRequest{Spec: authenticationv1alpha1.ViewerKubeconfigRequestSpec{ExpirationSeconds: ptr.To[int64](600)}}
	obj, err := shoot.NewViewerKubeconfigREST(f.options()).Create(requestContext(), "s", in, nil, nil)
	g.Expect(err).NotTo(HaveOccurred())
	cert := clientCert(t, obj.(*authenticationv1alpha1.ViewerKubeconfigRequest).Status.Kubeconfig)
	g.Expect(cert.Subject.CommonName).To(Equal("alice"))
	g.Expect(cert.Subject.Organization).To(ConsistOf("gardener.cloud:system:viewers"))
}

func TestKubeconfigExpirationIsCapped(t *testing.T) {
	g := NewWithT(t)
	f := newKubeconfigFixture(t)
	opts := f.options()
	opts.MaxExpiration = 2 * time.Hour
	start := time.Now()
	obj, err := shoot.NewAdminKubeconfigREST(opts).Create(requestContext(), "s", adminRequest(24*3600), nil, nil)
	g.Expect(err).NotTo(HaveOccurred())
	req := obj.(*authenticationv1alpha1.AdminKubeconfigRequest)
	g.Expect(req.Status.ExpirationTimestamp.Time).To(BeTemporally("~", start.Add(2*time.Hour), 5*time.Second))
	g.Expect(req.Spec.ExpirationSeconds).To(Equal(ptr.To[int64](7200)))
}

func TestKubeconfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*kubeconfigFixture)
		seconds int64
		shoot   string
		check   func(error) bool
		message string
	}{
		{name: "too short", seconds: 599, check: apierrors.IsInvalid, message: "less than 10 minutes"},
		{name: "too long", seconds: 1 << 32, check: apierrors.IsInvalid, message: "longer than"},
		{name: "no shoot", shoot: "missing", check: apierrors.IsNotFound},
		{
			name: "no advertised addresses",
			mutate: func(f *kubeconfigFixture) {
				s := f.shoots["s"].(*core.Shoot)
				s.Status.AdvertisedAddresses = nil
				s.Status.LastOperation = &core.LastOperation{Type: core.LastOperationTypeCreate, State: core.LastOperationStateProcessing, Progress: 10}
			},
			check:   apierrors.IsConflict,
			message: "the shoot's control plane is not ready yet: no advertised addresses (lastOperation: Create Processing (10%)); retry when the shoot is reconciled",
		},
		{
			name: "only an issuer address",
			mutate: func(f *kubeconfigFixture) {
				f.shoots["s"].(*core.Shoot).Status.AdvertisedAddresses = []core.ShootAdvertisedAddress{{Name: "service-account-issuer", URL: "https://x"}}
			},
			check: apierrors.IsConflict, message: "no advertised addresses (lastOperation: none)",
		},
		{name: "no client CA", mutate: func(f *kubeconfigFixture) { delete(f.secrets, "s.ca-client") }, check: apierrors.IsConflict, message: "no client CA (InternalSecret s.ca-client)"},
		{
			name: "no cluster CA",
			mutate: func(f *kubeconfigFixture) {
				f.configMaps = fake.NewClientset()
			},
			check: apierrors.IsConflict, message: "no cluster CA (ConfigMap s.ca-cluster)",
		},
		{
			name: "a broken client CA",
			mutate: func(f *kubeconfigFixture) {
				f.secrets["s.ca-client"].(*core.InternalSecret).Data["ca.key"] = []byte("nope")
			},
			check: apierrors.IsInternalError,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			f := newKubeconfigFixture(t)
			if tt.mutate != nil {
				tt.mutate(f)
			}
			seconds, name := tt.seconds, tt.shoot
			if seconds == 0 {
				seconds = 3600
			}
			if name == "" {
				name = "s"
			}
			_, err := shoot.NewAdminKubeconfigREST(f.options()).Create(requestContext(), name, adminRequest(seconds), nil, nil)
			g.Expect(err).To(HaveOccurred())
			g.Expect(tt.check(err)).To(BeTrue(), "unexpected error %v", err)
			g.Expect(err.Error()).To(ContainSubstring(tt.message))
		})
	}
}

func TestKubeconfigNeedsAUser(t *testing.T) {
	g := NewWithT(t)
	f := newKubeconfigFixture(t)
	ctx := genericapirequest.WithNamespace(context.Background(), "garden-dev")
	_, err := shoot.NewAdminKubeconfigREST(f.options()).Create(ctx, "s", adminRequest(3600), nil, nil)
	g.Expect(apierrors.IsBadRequest(err)).To(BeTrue(), "unexpected error %v", err)
}

func TestKubeconfigRunsCreateValidation(t *testing.T) {
	g := NewWithT(t)
	f := newKubeconfigFixture(t)
	denied := apierrors.NewForbidden(core.Resource("shoots"), "s", nil)
	_, err := shoot.NewAdminKubeconfigREST(f.options()).Create(requestContext(), "s", adminRequest(3600),
		func(context.Context, runtime.Object) error { return denied }, nil)
	g.Expect(err).To(Equal(denied))
}
