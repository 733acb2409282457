package apiserver_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	authenticationv1alpha1 "github.com/gardener/gardener/pkg/apis/authentication/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/pki"
)

func init() {
	utilruntime.Must(authenticationv1alpha1.AddToScheme(scheme))
}

// shootWithCAs is a Shoot with what its control plane gives the garden once reconciled:
// the client CA as InternalSecret <shoot>.ca-client, the cluster CA as ConfigMap
// <shoot>.ca-cluster, and (after advertise) its addresses in the status.
type shootWithCAs struct {
	shoot     *gardencorev1beta1.Shoot
	clientCA  *pki.CertKeyPair
	clusterCA *pki.CertKeyPair
}

// newShootWithCAs creates the Shoot and its CAs; the addresses follow with advertise.
func newShootWithCAs(ctx context.Context, ns, name string) *shootWithCAs {
	GinkgoHelper()
	s := &shootWithCAs{shoot: newShoot(ns, name)}
	Expect(c.Create(ctx, s.shoot)).To(Succeed())
	var err error
	s.clientCA, err = pki.NewCA("ca-client-"+name, 24*time.Hour)
	Expect(err).NotTo(HaveOccurred())
	s.clusterCA, err = pki.NewCA("ca-cluster-"+name, 24*time.Hour)
	Expect(err).NotTo(HaveOccurred())
	Expect(c.Create(ctx, &gardencorev1beta1.InternalSecret{
		ObjectMeta: metav1.ObjectMeta{Name: name + ".ca-client", Namespace: ns},
		Data:       map[string][]byte{"ca.crt": s.clientCA.CertPEM, "ca.key": s.clientCA.KeyPEM},
	})).To(Succeed())
	Expect(c.Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: name + ".ca-cluster", Namespace: ns},
		Data:       map[string]string{"ca.crt": string(s.clusterCA.CertPEM)},
	})).To(Succeed())
	return s
}

// advertise sets the Shoot's advertised addresses through /status.
func (s *shootWithCAs) advertise(ctx context.Context) {
	GinkgoHelper()
	s.shoot.Status.AdvertisedAddresses = []gardencorev1beta1.ShootAdvertisedAddress{
		{Name: "external", URL: "https://api." + s.shoot.Name + ".example.com"},
		{Name: "internal", URL: "https://api." + s.shoot.Name + ".internal.example.com"},
	}
	Expect(c.Status().Update(ctx, s.shoot)).To(Succeed())
}

// verifyClientCert checks that the kubeconfig's current user has a client certificate
// that the Shoot's client CA signed, and returns it.
func (s *shootWithCAs) verifyClientCert(kubeconfig []byte) *x509.Certificate {
	GinkgoHelper()
	cfg, err := clientcmd.Load(kubeconfig)
	Expect(err).NotTo(HaveOccurred())
	Expect(clientcmd.ConfirmUsable(*cfg, "")).To(Succeed())
	current := cfg.Contexts[cfg.CurrentContext]
	cert, err := pki.ParseCertificatePEM(cfg.AuthInfos[current.AuthInfo].ClientCertificateData)
	Expect(err).NotTo(HaveOccurred())
	pool := x509.NewCertPool()
	pool.AddCert(s.clientCA.Cert)
	_, err = cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	Expect(err).NotTo(HaveOccurred(), "the client certificate is signed by the shoot's client CA")
	return cert
}

func adminKubeconfigRequest(seconds int64) *authenticationv1alpha1.AdminKubeconfigRequest {
	return &authenticationv1alpha1.AdminKubeconfigRequest{
		Spec: authenticationv1alpha1.AdminKubeconfigRequestSpec{ExpirationSeconds: ptr.To(seconds)},
	}
}

var _ = Describe("shoots/adminkubeconfig and shoots/viewerkubeconfig", func() {
	var ns string

	BeforeEach(func(ctx context.Context) {
		ns = newNamespace(ctx)
	})

	It("are listed by discovery with the kinds of authentication.gardener.cloud", func() {
		dc, err := discovery.NewDiscoveryClientForConfig(env.Config)
		Expect(err).NotTo(HaveOccurred())
		list, err := dc.ServerResourcesForGroupVersion("core.gardener.cloud/v1beta1")
		Expect(err).NotTo(HaveOccurred())
		found := map[string]metav1.APIResource{}
		for _, r := range list.APIResources {
			found[r.Name] = r
		}
		for name, kind := range map[string]string{"shoots/adminkubeconfig": "AdminKubeconfigRequest", "shoots/viewerkubeconfig": "ViewerKubeconfigRequest"} {
			Expect(found).To(HaveKey(name))
			Expect(found[name].Group).To(Equal("authentication.gardener.cloud"))
			Expect(found[name].Version).To(Equal("v1alpha1"))
			Expect(found[name].Kind).To(Equal(kind))
			Expect(found[name].Verbs).To(ConsistOf("create"))
		}
	})

	It("issue an admin kubeconfig signed by the shoot's client CA", func(ctx context.Context) {
		s := newShootWithCAs(ctx, ns, "admin")
		s.advertise(ctx)

		start := time.Now()
		req := adminKubeconfigRequest(3600)
		Expect(c.SubResource("adminkubeconfig").Create(ctx, s.shoot, req)).To(Succeed())
		Expect(req.Status.Kubeconfig).NotTo(BeEmpty())

		cfg, err := clientcmd.Load(req.Status.Kubeconfig)
		Expect(err).NotTo(HaveOccurred())
		prefix := ns + "--admin-"
		Expect(cfg.CurrentContext).To(Equal(prefix+"external"), "the first address is the current context")
		Expect(cfg.Clusters).To(HaveLen(2))
		Expect(cfg.Clusters[prefix+"external"].Server).To(Equal("https://api.admin.example.com"))
		Expect(cfg.Clusters[prefix+"internal"].Server).To(Equal("https://api.admin.internal.example.com"))
		Expect(cfg.Clusters[prefix+"external"].CertificateAuthorityData).To(Equal(s.clusterCA.CertPEM))

		cert := s.verifyClientCert(req.Status.Kubeconfig)
		Expect(cert.Subject.CommonName).To(Equal("hortus-testenv-admin"), "the user who asked")
		Expect(cert.Subject.Organization).To(ContainElement("system:masters"))
		Expect(cert.NotAfter).To(BeTemporally("~", start.Add(time.Hour), 10*time.Second))
		Expect(req.Status.ExpirationTimestamp.Time).To(BeTemporally("==", cert.NotAfter))
	})

	It("default to one hour and cap at one day", func(ctx context.Context) {
		s := newShootWithCAs(ctx, ns, "expiry")
		s.advertise(ctx)

		start := time.Now()
		req := &authenticationv1alpha1.AdminKubeconfigRequest{}
		Expect(c.SubResource("adminkubeconfig").Create(ctx, s.shoot, req)).To(Succeed())
		Expect(req.Status.ExpirationTimestamp.Time).To(BeTemporally("~", start.Add(time.Hour), 10*time.Second))

		req = adminKubeconfigRequest(7 * 24 * 3600)
		Expect(c.SubResource("adminkubeconfig").Create(ctx, s.shoot, req)).To(Succeed())
		Expect(req.Status.ExpirationTimestamp.Time).To(BeTemporally("~", start.Add(24*time.Hour), 10*time.Second))

		err := c.SubResource("adminkubeconfig").Create(ctx, s.shoot, adminKubeconfigRequest(60))
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "expected 422, got %v", err)
		Expect(err.Error()).To(ContainSubstring("may not specify a duration less than 10 minutes"))
	})

	It("issue a viewer kubeconfig with the viewer group and without system:masters", func(ctx context.Context) {
		s := newShootWithCAs(ctx, ns, "viewer")
		s.advertise(ctx)

		req := &authenticationv1alpha1.ViewerKubeconfigRequest{
			Spec: authenticationv1alpha1.ViewerKubeconfigRequestSpec{ExpirationSeconds: ptr.To[int64](600)},
		}
		Expect(c.SubResource("viewerkubeconfig").Create(ctx, s.shoot, req)).To(Succeed())
		cert := s.verifyClientCert(req.Status.Kubeconfig)
		Expect(cert.Subject.CommonName).To(Equal("hortus-testenv-admin"))
		Expect(cert.Subject.Organization).To(ConsistOf("gardener.cloud:system:viewers"))
	})

	It("refuse clearly while the shoot's control plane is not ready", func(ctx context.Context) {
		s := newShootWithCAs(ctx, ns, "pending")
		s.shoot.Status.LastOperation = &gardencorev1beta1.LastOperation{
			Type: gardencorev1beta1.LastOperationTypeCreate, State: gardencorev1beta1.LastOperationStateProcessing,
			Progress: 20, LastUpdateTime: metav1.Now(),
		}
		Expect(c.Status().Update(ctx, s.shoot)).To(Succeed())

		err := c.SubResource("adminkubeconfig").Create(ctx, s.shoot, adminKubeconfigRequest(3600))
		Expect(apierrors.IsConflict(err)).To(BeTrue(), "expected 409, got %v", err)
		Expect(err.Error()).To(ContainSubstring("the shoot's control plane is not ready yet: no advertised addresses (lastOperation: Create Processing (20%)); retry when the shoot is reconciled"))

		// With addresses but without the client CA.
		s.advertise(ctx)
		Expect(c.Delete(ctx, &gardencorev1beta1.InternalSecret{ObjectMeta: metav1.ObjectMeta{Name: "pending.ca-client", Namespace: ns}})).To(Succeed())
		err = c.SubResource("viewerkubeconfig").Create(ctx, s.shoot, &authenticationv1alpha1.ViewerKubeconfigRequest{})
		Expect(apierrors.IsConflict(err)).To(BeTrue(), "expected 409, got %v", err)
		Expect(err.Error()).To(ContainSubstring("no client CA (InternalSecret pending.ca-client)"))
	})

	It("work with kubectl create --raw", func(ctx context.Context) {
		s := newShootWithCAs(ctx, ns, "raw")
		s.advertise(ctx)

		file := filepath.Join(GinkgoT().TempDir(), "req.json")
		Expect(os.WriteFile(file, []byte(`{"apiVersion":"authentication.gardener.cloud/v1alpha1","kind":"AdminKubeconfigRequest","spec":{"expirationSeconds":1800}}`), 0o600)).To(Succeed())
		out := kubectl(ctx, "create", "--raw", "/apis/core.gardener.cloud/v1beta1/namespaces/"+ns+"/shoots/raw/adminkubeconfig", "-f", file)
		resp := &authenticationv1alpha1.AdminKubeconfigRequest{}
		Expect(json.Unmarshal([]byte(out), resp)).To(Succeed(), out)
		Expect(resp.Kind).To(Equal("AdminKubeconfigRequest"))
		Expect(resp.APIVersion).To(Equal("authentication.gardener.cloud/v1alpha1"))
		cert := s.verifyClientCert(resp.Status.Kubeconfig)
		Expect(cert.NotAfter).To(BeTemporally("~", time.Now().Add(30*time.Minute), 10*time.Second))
	})

	It("are authorized by the garden's RBAC per namespace and subresource", func(ctx context.Context) {
		nsB := newNamespace(ctx)
		a := newShootWithCAs(ctx, ns, "rbac-a")
		a.advertise(ctx)
		b := newShootWithCAs(ctx, nsB, "rbac-b")
		b.advertise(ctx)

		admin := &rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "test-shoot-admin-"},
			Rules: []rbacv1.PolicyRule{
				{APIGroups: []string{"core.gardener.cloud"}, Resources: []string{"shoots"}, Verbs: []string{"get", "list", "create"}},
				{APIGroups: []string{"core.gardener.cloud"}, Resources: []string{"shoots/adminkubeconfig"}, Verbs: []string{"create"}},
			},
		}
		reader := &rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "test-shoot-reader-"},
			Rules: []rbacv1.PolicyRule{
				{APIGroups: []string{"core.gardener.cloud"}, Resources: []string{"shoots"}, Verbs: []string{"get", "list"}},
			},
		}
		for _, role := range []*rbacv1.ClusterRole{admin, reader} {
			Expect(c.Create(ctx, role)).To(Succeed())
			DeferCleanup(func(ctx context.Context) { Expect(client.IgnoreNotFound(c.Delete(ctx, role))).To(Succeed()) })
		}
		bind := func(user string, role *rbacv1.ClusterRole) {
			Expect(c.Create(ctx, &rbacv1.RoleBinding{
				ObjectMeta: metav1.ObjectMeta{GenerateName: user + "-", Namespace: ns},
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
				Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
			})).To(Succeed())
		}
		userClient := func(user string) client.Client {
			cfg, err := env.UserConfig(user, "project-members")
			Expect(err).NotTo(HaveOccurred())
			uc, err := client.New(cfg, client.Options{Scheme: scheme})
			Expect(err).NotTo(HaveOccurred())
			return uc
		}
		aliceName, bobName := "alice-"+ns, "bob-"+ns
		bind(aliceName, admin)
		bind(bobName, reader)
		alice, bob := userClient(aliceName), userClient(bobName)

		// RBAC takes a moment to reach the authorizer.
		Eventually(func() error {
			return alice.SubResource("adminkubeconfig").Create(ctx, a.shoot.DeepCopy(), adminKubeconfigRequest(600))
		}).Should(Succeed())
		req := adminKubeconfigRequest(600)
		Expect(alice.SubResource("adminkubeconfig").Create(ctx, a.shoot.DeepCopy(), req)).To(Succeed())
		cert := a.verifyClientCert(req.Status.Kubeconfig)
		Expect(cert.Subject.CommonName).To(Equal(aliceName), "the certificate names the user who asked")
		Expect(cert.Subject.Organization).To(ConsistOf("system:masters"))

		// Project B is not alice's.
		Expect(apierrors.IsForbidden(alice.Get(ctx, client.ObjectKeyFromObject(b.shoot), &gardencorev1beta1.Shoot{}))).To(BeTrue())
		err := alice.SubResource("adminkubeconfig").Create(ctx, b.shoot.DeepCopy(), adminKubeconfigRequest(600))
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "expected 403, got %v", err)

		// bob may read the shoot, but not ask for its kubeconfigs.
		Eventually(func() error {
			return bob.Get(ctx, client.ObjectKeyFromObject(a.shoot), &gardencorev1beta1.Shoot{})
		}).Should(Succeed())
		err = bob.SubResource("adminkubeconfig").Create(ctx, a.shoot.DeepCopy(), adminKubeconfigRequest(600))
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "expected 403, got %v", err)
		Expect(err.Error()).To(ContainSubstring(`cannot create resource "shoots/adminkubeconfig"`))
		err = bob.SubResource("viewerkubeconfig").Create(ctx, a.shoot.DeepCopy(), &authenticationv1alpha1.ViewerKubeconfigRequest{})
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "expected 403, got %v", err)
	})
})
