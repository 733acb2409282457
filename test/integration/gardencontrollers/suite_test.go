package gardencontrollers_test

import (
	"context"
	"testing"
	"time"

	controllermanagerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/controllermanager/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/hortus-dev/hortus/pkg/controllermanager/controller/controllerregistration"
	"github.com/hortus-dev/hortus/pkg/controllermanager/controller/referenceprotection"
	"github.com/hortus-dev/hortus/pkg/controllermanager/controller/shootquota"
	"github.com/hortus-dev/hortus/test/testenv"
)

// This suite runs the garden controllers of this directory alone, in their own manager,
// against a garden with the Hortus API.

func TestGardenControllers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Garden Controllers Integration Suite")
}

var (
	env    *testenv.Environment
	scheme = runtime.NewScheme()
	c      client.Client
	// fakeClock is the clock of the shoot quota controller. It starts at the real time,
	// since the lifetime of a shoot counts from its real creation time.
	fakeClock = clocktesting.NewFakeClock(time.Now())
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(gardencorev1beta1.AddToScheme(scheme))
	utilruntime.Must(securityv1alpha1.AddToScheme(scheme))
}

var _ = BeforeSuite(func(ctx context.Context) {
	logf.SetLogger(GinkgoLogr)
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(200 * time.Millisecond)

	var err error
	env, err = testenv.Start(ctx, testenv.Options{Logger: GinkgoLogr, WithGardenAPI: true})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx context.Context) {
		Expect(env.Stop(ctx)).To(Succeed())
	})
	c, err = client.New(env.Config, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	mgr, err := manager.New(env.Config, manager.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Logger:                 GinkgoLogr,
	})
	Expect(err).NotTo(HaveOccurred())
	Expect((&controllerregistration.Reconciler{}).AddToManager(mgr)).To(Succeed())
	Expect((&shootquota.Reconciler{Clock: fakeClock}).AddToManager(mgr)).To(Succeed())
	Expect(referenceprotection.AddAllToManager(mgr, controllermanagerconfigv1alpha1.ControllerManagerControllerConfiguration{})).To(Succeed())

	mgrCtx, cancel := context.WithCancel(logf.IntoContext(context.Background(), GinkgoLogr))
	done := make(chan error, 1)
	go func() {
		defer GinkgoRecover()
		done <- mgr.Start(mgrCtx)
	}()
	DeferCleanup(func() {
		cancel()
		Eventually(done).Should(Receive(BeNil()))
	})
}, NodeTimeout(4*time.Minute))
