package seedlifecycle_test

import (
	"context"
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/hortus-dev/hortus/pkg/controllermanager/controller/seedlifecycle"
	"github.com/hortus-dev/hortus/pkg/controllermanager/controller/shootstatuslabel"
	"github.com/hortus-dev/hortus/test/testenv"
)

// This suite runs the seed lifecycle and shoot status label controllers alone, in their
// own manager with a fake clock, against a garden with the Hortus API. No gardenlet runs:
// the specs renew the seeds' Leases and report conditions themselves.

func TestSeedLifecycle(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Seed Lifecycle and Shoot Status Label Integration Suite")
}

const (
	// profileName is the CloudProfile all shoots of the suite use.
	profileName = "lifecycle"
	// monitorPeriod and shootMonitorPeriod are the periods the seed lifecycle controller
	// runs with.
	monitorPeriod      = 40 * time.Second
	shootMonitorPeriod = 200 * time.Second
)

var (
	env    *testenv.Environment
	scheme = runtime.NewScheme()
	c      client.Client
	// fakeClock is the clock of the seed lifecycle controller; specs set it and then
	// trigger a reconciliation by changing a label of their Seed.
	fakeClock = clocktesting.NewFakeClock(time.Date(2026, 3, 11, 10, 0, 0, 0, time.UTC))
	namespace string
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(gardencorev1beta1.AddToScheme(scheme))
}

var _ = BeforeSuite(func(ctx context.Context) {
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

	By("creating a CloudProfile, its ControllerRegistration and the namespaces")
	Expect(c.Create(ctx, testenv.CloudProfile(profileName, "local", nil))).To(Succeed())
	Expect(c.Create(ctx, testenv.ProviderRegistration("lifecycle-provider-local", "local"))).To(Succeed())
	Expect(c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: gardencorev1beta1.GardenerSeedLeaseNamespace}})).To(Succeed())
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "garden-lifecycle-"}}
	Expect(c.Create(ctx, ns)).To(Succeed())
	namespace = ns.Name

	By("starting both controllers, the seed lifecycle controller with the fake clock")
	mgr, err := manager.New(env.Config, manager.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Logger:                 GinkgoLogr,
	})
	Expect(err).NotTo(HaveOccurred())
	lifecycle := &seedlifecycle.Reconciler{Clock: fakeClock}
	lifecycle.Config.MonitorPeriod = &metav1.Duration{Duration: monitorPeriod}
	lifecycle.Config.ShootMonitorPeriod = &metav1.Duration{Duration: shootMonitorPeriod}
	Expect(lifecycle.AddToManager(mgr)).To(Succeed())
	Expect((&shootstatuslabel.Reconciler{}).AddToManager(mgr)).To(Succeed())

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
