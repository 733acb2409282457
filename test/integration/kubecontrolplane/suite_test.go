// Package kubecontrolplane_test runs the real kube-controller-manager and kube-scheduler,
// as the kubecontrollermanager and kubescheduler builders describe them, against the test
// environment's kube-apiserver. The test environment starts the kube-controller-manager
// (testenv.Options.ControllerManager); the suite starts the kube-scheduler.
package kubecontrolplane_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/kubernetes"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/component/kubescheduler"
	"github.com/hortus-dev/hortus/test/testenv"
)

func TestKubeControlPlane(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Kube Control Plane Integration Suite")
}

// setName is the executor set of the scheduler.
const setName = "kube-controlplane"

var (
	env   *testenv.Environment
	admin kubernetes.Interface
	// scheduler is the configuration the scheduler was built from.
	scheduler kubescheduler.Config
)

var _ = BeforeSuite(func(ctx context.Context) {
	SetDefaultEventuallyTimeout(time.Minute)
	SetDefaultEventuallyPollingInterval(200 * time.Millisecond)
	EnforceDefaultTimeoutsWhenUsingContexts()

	var err error
	env, err = testenv.Start(ctx, testenv.Options{
		Logger: GinkgoLogr,
		// Every default controller; CSRs are signed with the client CA.
		ControllerManager: &testenv.ControllerManagerOptions{ClusterSigning: true},
	})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx context.Context) {
		Expect(env.Stop(ctx)).To(Succeed())
	})
	admin, err = kubernetes.NewForConfig(env.Config)
	Expect(err).NotTo(HaveOccurred())

	ports, err := env.Ports.Allocate(setName, kubescheduler.DefaultName)
	Expect(err).NotTo(HaveOccurred())
	scheduler = kubescheduler.Config{
		SecurePort: ports[kubescheduler.DefaultName],
		Kubeconfig: userKubeconfig("system:kube-scheduler"),
	}
	set := component.Set{Name: setName, Components: []component.Component{kubescheduler.Build(scheduler)}}
	DeferCleanup(func(ctx context.Context) {
		Expect(env.Executor.Delete(ctx, setName)).To(Succeed())
	})
	// A failed start's error quotes the end of the component's log.
	Expect(env.Executor.Deploy(ctx, set)).To(Succeed())
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
