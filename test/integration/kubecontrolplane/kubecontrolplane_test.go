package kubecontrolplane_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/component/kubecontrollermanager"
	"github.com/hortus-dev/hortus/pkg/component/kubescheduler"
)

var _ = Describe("kube-controller-manager and kube-scheduler", func() {
	var ns string

	BeforeEach(func(ctx context.Context) {
		n, err := admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "kcp-"}}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		ns = n.Name
		DeferCleanup(func(ctx context.Context) {
			err := admin.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
			Expect(err).To(Or(Not(HaveOccurred()), Satisfy(apierrors.IsNotFound)))
		})
	})

	It("run as ready processes", func(ctx context.Context) {
		envStatus, err := env.Components(ctx)
		Expect(err).NotTo(HaveOccurred())
		schedulerStatus, err := env.Executor.Status(ctx, setName)
		Expect(err).NotTo(HaveOccurred())
		var names []string
		for _, s := range append(envStatus, schedulerStatus...) {
			names = append(names, s.Name)
			Expect(s.Phase).To(Equal(component.PhaseReady), "%s: %s (log %s)", s.Name, s.Message, s.LogPath)
			Expect(s.Restarts).To(BeZero(), s.Name)
		}
		Expect(names).To(ContainElements(kubecontrollermanager.DefaultName, kubescheduler.DefaultName))
	})

	It("serve /healthz to anyone and /metrics to an authorized client only", func(ctx context.Context) {
		// The bootstrap ClusterRole system:monitoring grants GET /metrics to the group of
		// that name. Not being in system:masters, which the components allow without asking,
		// the user needs the SubjectAccessReview that the authorization kubeconfig makes.
		monitor, err := env.UserConfig("kcp-monitor", "system:monitoring")
		Expect(err).NotTo(HaveOccurred())
		for _, url := range []string{env.ControllerManagerURL, scheduler.URL()} {
			Expect(get(ctx, url+"/healthz", nil)).To(Equal(http.StatusOK), url)
			Expect(get(ctx, url+"/metrics", nil)).To(Equal(http.StatusForbidden), "%s: anonymous", url)
			// The client certificate is checked against the client CA that the
			// kube-apiserver publishes, which the authentication kubeconfig reads in the
			// background, possibly after /healthz answers.
			Eventually(ctx, func(ctx context.Context) int {
				return get(ctx, url+"/metrics", monitor)
			}).WithTimeout(20*time.Second).Should(Equal(http.StatusOK), "%s: system:monitoring", url)
		}
	})

	It("give a new namespace its default ServiceAccount and kube-root-ca.crt", func(ctx context.Context) {
		Eventually(ctx, func(ctx context.Context) error {
			_, err := admin.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
			return err
		}).Should(Succeed())
		Eventually(ctx, func(g Gomega, ctx context.Context) {
			cm, err := admin.CoreV1().ConfigMaps(ns).Get(ctx, "kube-root-ca.crt", metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(cm.Data).To(HaveKeyWithValue("ca.crt", string(env.CA.CertPEM)))
		}).Should(Succeed())
	})

	It("let a ServiceAccount request a token that authenticates", func(ctx context.Context) {
		waitForDefaultServiceAccount(ctx, ns)
		tr, err := admin.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "default", &authenticationv1.TokenRequest{
			Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](600)},
		}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(whoami(ctx, tr.Status.Token)).To(Equal("system:serviceaccount:" + ns + ":default"))
	})

	It("fill a legacy token Secret with a token signed by the kube-apiserver's key", func(ctx context.Context) {
		waitForDefaultServiceAccount(ctx, ns)
		secret := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "legacy", Annotations: map[string]string{corev1.ServiceAccountNameKey: "default"}},
			Type:       corev1.SecretTypeServiceAccountToken,
		}
		_, err := admin.CoreV1().Secrets(ns).Create(ctx, secret, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		var token string
		Eventually(ctx, func(g Gomega, ctx context.Context) {
			s, err := admin.CoreV1().Secrets(ns).Get(ctx, "legacy", metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(s.Data).To(HaveKey(corev1.ServiceAccountTokenKey))
			g.Expect(s.Data).To(HaveKeyWithValue(corev1.ServiceAccountRootCAKey, env.CA.CertPEM))
			token = string(s.Data[corev1.ServiceAccountTokenKey])
		}).Should(Succeed())
		Expect(whoami(ctx, token)).To(Equal("system:serviceaccount:" + ns + ":default"))
	})

	It("sign an approved client CertificateSigningRequest with the client CA", func(ctx context.Context) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		Expect(err).NotTo(HaveOccurred())
		request, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
			Subject: pkix.Name{CommonName: "csr-user-" + ns, Organization: []string{"kcp-testers"}},
		}, key)
		Expect(err).NotTo(HaveOccurred())
		csr := &certificatesv1.CertificateSigningRequest{
			ObjectMeta: metav1.ObjectMeta{Name: ns},
			Spec: certificatesv1.CertificateSigningRequestSpec{
				Request:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: request}),
				SignerName: certificatesv1.KubeAPIServerClientSignerName,
				Usages:     []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageClientAuth},
			},
		}
		csr, err = admin.CertificatesV1().CertificateSigningRequests().Create(ctx, csr, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func(ctx context.Context) {
			Expect(admin.CertificatesV1().CertificateSigningRequests().Delete(ctx, csr.Name, metav1.DeleteOptions{})).To(Succeed())
		})
		csr.Status.Conditions = append(csr.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{
			Type: certificatesv1.CertificateApproved, Status: corev1.ConditionTrue, Reason: "Test", Message: "approved by the test",
		})
		_, err = admin.CertificatesV1().CertificateSigningRequests().UpdateApproval(ctx, csr.Name, csr, metav1.UpdateOptions{})
		Expect(err).NotTo(HaveOccurred())
		var certPEM []byte
		Eventually(ctx, func(g Gomega, ctx context.Context) {
			got, err := admin.CertificatesV1().CertificateSigningRequests().Get(ctx, csr.Name, metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got.Status.Certificate).NotTo(BeEmpty())
			certPEM = got.Status.Certificate
		}).Should(Succeed())
		keyDER, err := x509.MarshalECPrivateKey(key)
		Expect(err).NotTo(HaveOccurred())
		cs, err := kubernetes.NewForConfig(&rest.Config{
			Host: env.URL,
			TLSClientConfig: rest.TLSClientConfig{
				CAData:   env.CA.CertPEM,
				CertData: certPEM,
				KeyData:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
			},
		})
		Expect(err).NotTo(HaveOccurred())
		review, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(review.Status.UserInfo.Username).To(Equal("csr-user-" + ns))
		Expect(review.Status.UserInfo.Groups).To(ContainElement("kcp-testers"))
	})

	It("finish deleting a namespace with content", func(ctx context.Context) {
		_, err := admin.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c"}}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(admin.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})).To(Succeed())
		Eventually(ctx, func(ctx context.Context) error {
			_, err := admin.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("namespace %s still exists (%v)", ns, err)
		}).Should(Succeed())
	})

	It("try to schedule a Pod and report that no node fits", func(ctx context.Context) {
		waitForDefaultServiceAccount(ctx, ns)
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "p"},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "example.invalid/none"}}},
		}
		_, err := admin.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		Eventually(ctx, func(g Gomega, ctx context.Context) {
			p, err := admin.CoreV1().Pods(ns).Get(ctx, "p", metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(p.Status.Conditions).To(ContainElement(And(
				HaveField("Type", corev1.PodScheduled),
				HaveField("Status", corev1.ConditionFalse),
				HaveField("Reason", corev1.PodReasonUnschedulable),
			)))
		}).Should(Succeed())
	})
})

// waitForDefaultServiceAccount waits until the serviceaccount controller created the
// namespace's default ServiceAccount.
func waitForDefaultServiceAccount(ctx context.Context, ns string) {
	GinkgoHelper()
	Eventually(ctx, func(ctx context.Context) error {
		_, err := admin.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		return err
	}).Should(Succeed())
}

// whoami returns the user name the kube-apiserver authenticates token as.
func whoami(ctx context.Context, token string) string {
	GinkgoHelper()
	cs, err := kubernetes.NewForConfig(&rest.Config{
		Host:            env.URL,
		TLSClientConfig: rest.TLSClientConfig{CAData: env.CA.CertPEM},
		BearerToken:     token,
	})
	Expect(err).NotTo(HaveOccurred())
	review, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred())
	return review.Status.UserInfo.Username
}

// get returns the status of a GET of url, with the client certificate of cfg when cfg is
// set. The components serve a self-signed certificate, which is not verified.
func get(ctx context.Context, url string, cfg *rest.Config) int {
	GinkgoHelper()
	tlsConfig := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // self-signed serving certificate.
	if cfg != nil {
		cert, err := tls.X509KeyPair(cfg.CertData, cfg.KeyData)
		Expect(err).NotTo(HaveOccurred())
		tlsConfig.Certificates = []tls.Certificate{cert}
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConfig}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	Expect(err).NotTo(HaveOccurred())
	resp, err := client.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}
