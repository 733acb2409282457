// Package kubecontrolplane_test runs the real kube-controller-manager and kube-scheduler,
// as the kubecontrollermanager and kubescheduler builders describe them, against the test
// environment's kube-apiserver.
package kubecontrolplane_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/kubernetes"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/component/kubecontrollermanager"
	"github.com/hortus-dev/hortus/pkg/component/kubescheduler"
	"github.com/hortus-dev/hortus/pkg/pki"
	"github.com/hortus-dev/hortus/test/testenv"
)

func TestKubeControlPlane(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Kube Control Plane Integration Suite")
}

// setName is the executor set of the controller manager and the scheduler.
const setName = "kube-controlplane"

// serviceAccountKeyName is the name under which package localcluster keeps the service
// account signing key in the PKI directory.
const serviceAccountKeyName = "service-account"

var (
	env   *testenv.Environment
	admin kubernetes.Interface
	// kcm and scheduler are the configurations the components were built from.
	kcm       kubecontrollermanager.Config
	scheduler kubescheduler.Config
)

var _ = BeforeSuite(func(ctx context.Context) {
	SetDefaultEventuallyTimeout(time.Minute)
	SetDefaultEventuallyPollingInterval(200 * time.Millisecond)
	EnforceDefaultTimeoutsWhenUsingContexts()

	var err error
	env, err = testenv.Start(ctx, testenv.Options{Logger: GinkgoLogr})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx context.Context) {
		Expect(env.Stop(ctx)).To(Succeed())
	})
	admin, err = kubernetes.NewForConfig(env.Config)
	Expect(err).NotTo(HaveOccurred())

	// The kube-apiserver of the environment signs tokens with this key. Read it instead of
	// LoadOrCreate'ing it: a wrong name must fail here, not yield a key nobody trusts.
	saKey, err := os.ReadFile(pki.KeyPath(env.PKIDir, serviceAccountKeyName))
	Expect(err).NotTo(HaveOccurred())

	ports, err := env.Ports.Allocate(setName, kubecontrollermanager.DefaultName, kubescheduler.DefaultName)
	Expect(err).NotTo(HaveOccurred())
	kcm = kubecontrollermanager.Config{
		SecurePort:                  ports[kubecontrollermanager.DefaultName],
		Kubeconfig:                  userKubeconfig("system:kube-controller-manager"),
		ServiceAccountPrivateKeyPEM: saKey,
		RootCAPEM:                   env.CA.CertPEM,
		ClusterSigningCertPEM:       env.ClientCA.CertPEM,
		ClusterSigningKeyPEM:        env.ClientCA.KeyPEM,
		ServiceClusterIPRange:       testenv.ServiceClusterIPRange,
	}
	scheduler = kubescheduler.Config{
		SecurePort: ports[kubescheduler.DefaultName],
		Kubeconfig: userKubeconfig("system:kube-scheduler"),
	}
	set := component.Set{Name: setName, Components: []component.Component{
		kubecontrollermanager.Build(kcm),
		kubescheduler.Build(scheduler),
	}}
	DeferCleanup(func(ctx context.Context) {
		Expect(env.Executor.Delete(ctx, setName)).To(Succeed())
	})
	if err := env.Executor.Deploy(ctx, set); err != nil {
		Fail(fmt.Sprintf("deploying %s: %v\n%s", setName, err, logTails(ctx)))
	}
}, NodeTimeout(4*time.Minute))

// userKubeconfig returns a kubeconfig for the environment's kube-apiserver with a client
// certificate for user.
func userKubeconfig(user string) []byte {
	GinkgoHelper()
	cfg, err := env.UserConfig(user)
	Expect(err).NotTo(HaveOccurred())
	b, err := env.Kubeconfig(cfg, testenv.SetName, user)
	Expect(err).NotTo(HaveOccurred())
	return b
}

// logTails returns the last lines of the components' logs, to explain a failed start.
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
