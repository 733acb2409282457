// Package simulatednode_test joins simulated nodes to a real kube-apiserver (Node,RBAC
// authorization, NodeRestriction, bootstrap tokens) whose real kube-controller-manager
// approves and signs their client certificates and assigns their Pod ranges.
package simulatednode_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/hortus-dev/hortus/extensions/provider-local/node"
	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/component/kubecontrollermanager"
	"github.com/hortus-dev/hortus/pkg/pki"
	"github.com/hortus-dev/hortus/test/testenv"
)

func TestSimulatedNode(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Simulated Node Integration Suite")
}

const (
	// setName is the executor set of the kube-controller-manager.
	setName = "simulatednode-kcm"
	// serviceAccountKeyName is the name under which package localcluster keeps the
	// service account signing key in the PKI directory.
	serviceAccountKeyName = "service-account"
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
	})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx context.Context) {
		Expect(env.Stop(ctx)).To(Succeed())
	})
	admin, err = kubernetes.NewForConfig(env.Config)
	Expect(err).NotTo(HaveOccurred())

	saKey, err := os.ReadFile(pki.KeyPath(env.PKIDir, serviceAccountKeyName))
	Expect(err).NotTo(HaveOccurred())
	ports, err := env.Ports.Allocate(setName, kubecontrollermanager.DefaultName)
	Expect(err).NotTo(HaveOccurred())
	user, err := env.UserConfig("system:kube-controller-manager")
	Expect(err).NotTo(HaveOccurred())
	kubeconfig, err := env.Kubeconfig(user, testenv.SetName, "system:kube-controller-manager")
	Expect(err).NotTo(HaveOccurred())
	set := component.Set{Name: setName, Components: []component.Component{kubecontrollermanager.Build(kubecontrollermanager.Config{
		SecurePort:                  ports[kubecontrollermanager.DefaultName],
		Kubeconfig:                  kubeconfig,
		ServiceAccountPrivateKeyPEM: saKey,
		RootCAPEM:                   env.CA.CertPEM,
		// Kubelet client certificates must be signed by the CA the kube-apiserver trusts
		// for client certificates.
		ClusterSigningCertPEM: env.ClientCA.CertPEM,
		ClusterSigningKeyPEM:  env.ClientCA.KeyPEM,
		ServiceClusterIPRange: testenv.ServiceClusterIPRange,
		ClusterCIDR:           clusterCIDR,
		AllocateNodeCIDRs:     true,
		Controllers: []string{
			"certificatesigningrequest-signing-controller",
			"certificatesigningrequest-approving-controller",
			"node-ipam-controller",
		},
	})}}
	DeferCleanup(func(ctx context.Context) {
		Expect(env.Executor.Delete(ctx, setName)).To(Succeed())
	})
	if err := env.Executor.Deploy(ctx, set); err != nil {
		Fail(fmt.Sprintf("deploying %s: %v\n%s", setName, err, logTails(ctx)))
	}

	for _, b := range node.BootstrapRBAC() {
		_, err := admin.RbacV1().ClusterRoleBindings().Create(ctx, b, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
	}
	_, err = admin.CoreV1().Secrets(metav1.NamespaceSystem).Create(ctx, node.BootstrapTokenSecret(tokenID, tokenSecret, time.Now().Add(time.Hour)), metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred())
}, NodeTimeout(4*time.Minute))

// logTails returns the last lines of the kube-controller-manager's log, to explain a
// failed start.
func logTails(ctx context.Context) string {
	st, err := env.Executor.Status(ctx, setName)
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, s := range st {
		data, err := os.ReadFile(s.LogPath)
		if err != nil {
			fmt.Fprintf(&b, "%s: %v\n", s.Name, err)
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		fmt.Fprintf(&b, "--- %s (%s)\n%s\n", s.Name, s.Phase, strings.Join(lines[max(0, len(lines)-20):], "\n"))
	}
	return b.String()
}
