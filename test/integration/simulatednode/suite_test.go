// Package simulatednode_test joins simulated nodes to a real kube-apiserver (Node,RBAC
// authorization, NodeRestriction, bootstrap tokens) whose real kube-controller-manager
// approves and signs their client certificates and assigns their Pod ranges.
package simulatednode_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/hortus-dev/hortus/extensions/provider-local/node"
	"github.com/hortus-dev/hortus/test/testenv"
)

func TestSimulatedNode(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Simulated Node Integration Suite")
}

const (
	// clusterCIDR is where the kube-controller-manager takes the nodes' Pod ranges from.
	clusterCIDR = "10.1.0.0/16"
	// The bootstrap token of the suite's nodes.
	tokenID     = "abcdef"
	tokenSecret = "0123456789abcdef"
)

var (
	env   *testenv.Environment
	admin kubernetes.Interface
)

var _ = BeforeSuite(func(ctx context.Context) {
	SetDefaultEventuallyTimeout(time.Minute)
	SetDefaultEventuallyPollingInterval(200 * time.Millisecond)
	EnforceDefaultTimeoutsWhenUsingContexts()

	var err error
	env, err = testenv.Start(ctx, testenv.Options{
		Logger: GinkgoLogr,
		// As a shoot's kube-apiserver: nodes may touch only their own objects.
		KubeAPIServerArgs: map[string]string{"authorization-mode": "Node,RBAC"},
		ControllerManager: &testenv.ControllerManagerOptions{
			Controllers: []string{
				"certificatesigningrequest-signing-controller",
				"certificatesigningrequest-approving-controller",
				"node-ipam-controller",
			},
			// Kubelet client certificates must be signed by the CA the kube-apiserver
			// trusts for client certificates.
			ClusterSigning: true,
			ClusterCIDR:    clusterCIDR,
		},
	})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx context.Context) {
		Expect(env.Stop(ctx)).To(Succeed())
	})
	admin, err = kubernetes.NewForConfig(env.Config)
	Expect(err).NotTo(HaveOccurred())

	for _, b := range node.BootstrapRBAC() {
		_, err := admin.RbacV1().ClusterRoleBindings().Create(ctx, b, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
	}
	_, err = admin.CoreV1().Secrets(metav1.NamespaceSystem).Create(ctx, node.BootstrapTokenSecret(tokenID, tokenSecret, time.Now().Add(time.Hour)), metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred())
}, NodeTimeout(4*time.Minute))
