package simulatednode_test

import (
	"context"
	"net/netip"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/hortus-dev/hortus/extensions/provider-local/node"
	"github.com/hortus-dev/hortus/extensions/provider-local/userdata"
	"github.com/hortus-dev/hortus/pkg/pki"
)

// kubeletConfig makes the heartbeats frequent, so that the suite sees them soon: a Lease of
// 8s renewed every 2s, and the status reported every 2s.
const kubeletConfig = `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
maxPods: 42
nodeLeaseDurationSeconds: 8
nodeStatusReportFrequency: 2s
registerWithTaints:
- key: example.com/simulated
  effect: NoSchedule
`

// poolVersion is the Kubernetes version of the machines' pool, older than the suite's
// kube-apiserver.
const poolVersion = "v1.31.7"

// userData is a machine's #cloud-config as provider-local renders it: a bootstrap
// kubeconfig with the suite's token, the cluster CA, the kubelet configuration and the
// pool's Kubernetes version.
func userData() []byte {
	GinkgoHelper()
	kc, err := pki.Kubeconfig{
		ClusterName: "shoot",
		Server:      env.URL,
		CAPEM:       env.CA.CertPEM,
		UserName:    "kubelet-bootstrap",
		Token:       tokenID + "." + tokenSecret,
	}.Bytes()
	Expect(err).NotTo(HaveOccurred())
	cc := &userdata.CloudConfig{}
	cc.AddFile(userdata.BootstrapKubeconfigPath, kc, "0600")
	cc.AddFile(userdata.CACertPath, env.CA.CertPEM, "0644")
	cc.AddFile(userdata.KubeletConfigPath, []byte(kubeletConfig), "0644")
	cc.AddFile(userdata.KubeletVersionPath, []byte(poolVersion), "0644")
	data, err := cc.Render()
	Expect(err).NotTo(HaveOccurred())
	return data
}

// startNode runs a simulated node until the returned function stops it and waits for
// Run to return.
func startNode(opts node.Options) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		defer GinkgoRecover()
		done <- node.Run(ctx, GinkgoLogr.WithName(opts.NodeName), opts)
	}()
	return func() {
		cancel()
		Eventually(done).Should(Receive(Succeed()))
	}
}

var _ = Describe("A simulated node", Ordered, func() {
	const name = "machine-1"
	var (
		opts    node.Options
		stop    func()
		ns      string
		nodeCfg kubernetes.Interface
	)

	BeforeAll(func(ctx context.Context) {
		opts = node.Options{
			RootDir:    GinkgoT().TempDir(),
			UserData:   userData(),
			NodeName:   name,
			ProviderID: "local:///shoot--p--s/" + name,
			Capacity: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("2"),
				corev1.ResourceMemory: resource.MustParse("4Gi"),
				corev1.ResourcePods:   resource.MustParse("10"),
			},
			Labels: map[string]string{
				"worker.gardener.cloud/pool":     "pool-a",
				"node-role.kubernetes.io/worker": "", // NodeRestriction forbids it: dropped.
			},
		}
		stop = startNode(opts)
		DeferCleanup(func() { stop() })

		n, err := admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "simnode-"}}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		ns = n.Name
		// No serviceaccount controller runs: give the Pods their ServiceAccount.
		_, err = admin.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
	})

	It("gets its client certificate through an approved CSR", func(ctx context.Context) {
		Eventually(ctx, func(g Gomega, ctx context.Context) {
			csrs := nodeCSRs(ctx, g)
			g.Expect(csrs).To(HaveLen(1))
			csr := csrs[0]
			g.Expect(csr.Spec.Username).To(Equal("system:bootstrap:" + tokenID))
			g.Expect(csr.Spec.SignerName).To(Equal(certificatesv1.KubeAPIServerClientKubeletSignerName))
			g.Expect(csr.Status.Conditions).To(ContainElement(And(
				HaveField("Type", certificatesv1.CertificateApproved),
				HaveField("Status", corev1.ConditionTrue),
			)))
			g.Expect(csr.Status.Certificate).NotTo(BeEmpty())
		}).Should(Succeed())
	})

	It("registers a Ready Node with its capacity, labels, taints and provider ID", func(ctx context.Context) {
		Eventually(ctx, func(g Gomega, ctx context.Context) {
			n, err := admin.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(n.Spec.ProviderID).To(Equal(opts.ProviderID))
			g.Expect(n.Spec.Taints).To(ContainElement(HaveField("Key", "example.com/simulated")))
			g.Expect(n.Labels).To(HaveKeyWithValue("kubernetes.io/hostname", name))
			g.Expect(n.Labels).To(HaveKeyWithValue("kubernetes.io/os", "linux"))
			g.Expect(n.Labels).To(HaveKeyWithValue("worker.gardener.cloud/pool", "pool-a"))
			g.Expect(n.Labels).NotTo(HaveKey("node-role.kubernetes.io/worker"))
			g.Expect(n.Status.Capacity.Cpu().String()).To(Equal("2"))
			g.Expect(n.Status.Capacity.Memory().String()).To(Equal("4Gi"))
			g.Expect(n.Status.Capacity.Pods().String()).To(Equal("42"), "maxPods of the kubelet configuration")
			g.Expect(n.Status.Allocatable.Pods().String()).To(Equal("42"))
			g.Expect(n.Status.NodeInfo.KubeletVersion).To(Equal(poolVersion), "the pool's version from the user data")
			g.Expect(n.Status.Addresses).To(ContainElement(HaveField("Type", corev1.NodeInternalIP)))
			g.Expect(n.Status.Conditions).To(ContainElement(And(
				HaveField("Type", corev1.NodeReady),
				HaveField("Status", corev1.ConditionTrue),
				HaveField("Message", ContainSubstring("simulated")),
			)))
			g.Expect(n.Spec.PodCIDR).NotTo(BeEmpty(), "the kube-controller-manager assigns a Pod range")
		}).Should(Succeed())
	})

	It("keeps refreshing the Ready condition's heartbeat", func(ctx context.Context) {
		first := readyHeartbeat(ctx)
		Eventually(ctx, readyHeartbeat).Should(BeTemporally(">", first))
	})

	It("talks to the API server as system:node:<name> after bootstrapping", func(ctx context.Context) {
		cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(opts.RootDir, "var/lib/kubelet/kubeconfig"))
		Expect(err).NotTo(HaveOccurred())
		nodeCfg, err = kubernetes.NewForConfig(cfg)
		Expect(err).NotTo(HaveOccurred())
		review, err := nodeCfg.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(review.Status.UserInfo.Username).To(Equal("system:node:" + name))
		Expect(review.Status.UserInfo.Groups).To(ContainElement("system:nodes"))
		Expect(review.Status.UserInfo.Groups).NotTo(ContainElement("system:bootstrappers"))

		By("being limited by the Node authorizer to its own objects")
		_, err = nodeCfg.CoreV1().Secrets(metav1.NamespaceSystem).Get(ctx, "bootstrap-token-"+tokenID, metav1.GetOptions{})
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
	})

	It("renews its Lease in kube-node-lease", func(ctx context.Context) {
		var first metav1.MicroTime
		Eventually(ctx, func(g Gomega, ctx context.Context) {
			l, err := admin.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, name, metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(l.Spec.HolderIdentity).To(HaveValue(Equal(name)))
			g.Expect(l.Spec.LeaseDurationSeconds).To(HaveValue(BeEquivalentTo(8)))
			g.Expect(l.OwnerReferences).To(ContainElement(HaveField("Kind", "Node")))
			g.Expect(l.Spec.RenewTime).NotTo(BeNil())
			first = *l.Spec.RenewTime
		}).Should(Succeed())
		Eventually(ctx, func(g Gomega, ctx context.Context) {
			l, err := admin.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, name, metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(l.Spec.RenewTime.After(first.Time)).To(BeTrue(), "renewed after %s", first)
		}).Should(Succeed())
	})

	It("reports Pods bound to it as Running, each with its own IP", func(ctx context.Context) {
		a := createPod(ctx, ns, "a", name)
		b := createPod(ctx, ns, "b", name)
		ipA := runningPodIP(ctx, ns, a.Name)
		ipB := runningPodIP(ctx, ns, b.Name)
		Expect(ipA).NotTo(Equal(ipB))

		n, err := admin.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		pod, err := admin.CoreV1().Pods(ns).Get(ctx, a.Name, metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(n.Status.Addresses).To(ContainElement(corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: pod.Status.HostIP}))
		Expect(pod.Status.ContainerStatuses).To(ConsistOf(And(
			HaveField("Name", "app"),
			HaveField("Image", "registry.example/app:1"),
			HaveField("Ready", true),
			HaveField("State.Running", Not(BeNil())),
		)))
		Expect(pod.Status.Conditions).To(ContainElement(And(HaveField("Type", corev1.PodReady), HaveField("Status", corev1.ConditionTrue))))
		Expect(pod.Status.StartTime).NotTo(BeNil())
		Expect(netip.MustParsePrefix(n.Spec.PodCIDR).Contains(netip.MustParseAddr(ipA))).To(BeTrue(), "%s in the node's Pod range %s", ipA, n.Spec.PodCIDR)

		By("leaving a running Pod alone")
		heartbeat := readyHeartbeat(ctx)
		Eventually(ctx, readyHeartbeat).Should(BeTemporally(">", heartbeat))
		again, err := admin.CoreV1().Pods(ns).Get(ctx, a.Name, metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(again.ResourceVersion).To(Equal(pod.ResourceVersion), "the node wrote the status of a running Pod again")
	})

	It("finishes the deletion of its Pods", func(ctx context.Context) {
		p := createPod(ctx, ns, "doomed", name)
		runningPodIP(ctx, ns, p.Name)
		// A grace period leaves the Pod terminating until its node confirms.
		Expect(admin.CoreV1().Pods(ns).Delete(ctx, p.Name, metav1.DeleteOptions{})).To(Succeed())
		Eventually(ctx, func(ctx context.Context) error {
			_, err := admin.CoreV1().Pods(ns).Get(ctx, p.Name, metav1.GetOptions{})
			return err
		}).Should(Satisfy(apierrors.IsNotFound))
	})

	It("reuses its certificate after a restart on the same disk", func(ctx context.Context) {
		stop()
		l, err := admin.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, name, metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		stoppedAt := l.Spec.RenewTime.Time

		stop = startNode(opts)
		p := createPod(ctx, ns, "after-restart", name)
		runningPodIP(ctx, ns, p.Name)
		Eventually(ctx, func(g Gomega, ctx context.Context) {
			l, err := admin.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, name, metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(l.Spec.RenewTime.After(stoppedAt)).To(BeTrue())
		}).Should(Succeed())
		Expect(nodeCSRs(ctx, Default)).To(HaveLen(1), "no second CSR")
	})
})

// nodeCSRs returns the CSRs for the client certificate of a node (any node: the suite
// runs one).
func nodeCSRs(ctx context.Context, g Gomega) []certificatesv1.CertificateSigningRequest {
	list, err := admin.CertificatesV1().CertificateSigningRequests().List(ctx, metav1.ListOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	var out []certificatesv1.CertificateSigningRequest
	for _, csr := range list.Items {
		if csr.Spec.SignerName == certificatesv1.KubeAPIServerClientKubeletSignerName {
			out = append(out, csr)
		}
	}
	return out
}

func readyHeartbeat(ctx context.Context) time.Time {
	GinkgoHelper()
	n, err := admin.CoreV1().Nodes().Get(ctx, "machine-1", metav1.GetOptions{})
	Expect(err).NotTo(HaveOccurred())
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.LastHeartbeatTime.Time
		}
	}
	Fail("node machine-1 has no Ready condition")
	return time.Time{}
}

func createPod(ctx context.Context, ns, name, nodeName string) *corev1.Pod {
	GinkgoHelper()
	p, err := admin.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: corev1.PodSpec{
			NodeName:   nodeName,
			Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1"}},
		},
	}, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred())
	return p
}

// runningPodIP waits until the Pod runs and returns its IP.
func runningPodIP(ctx context.Context, ns, name string) string {
	GinkgoHelper()
	var ip string
	Eventually(ctx, func(g Gomega, ctx context.Context) {
		p, err := admin.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(p.Status.Phase).To(Equal(corev1.PodRunning))
		g.Expect(p.Status.PodIP).NotTo(BeEmpty())
		_, err = netip.ParseAddr(p.Status.PodIP)
		g.Expect(err).NotTo(HaveOccurred())
		ip = p.Status.PodIP
	}).Should(Succeed())
	return ip
}
