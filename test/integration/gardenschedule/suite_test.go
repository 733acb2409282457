package gardenschedule_test

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

	"github.com/hortus-dev/hortus/pkg/controllermanager/controller/shoothibernation"
	"github.com/hortus-dev/hortus/pkg/controllermanager/controller/shootmaintenance"
	"github.com/hortus-dev/hortus/test/testenv"
)

// This suite runs the shoot hibernation and maintenance controllers alone, in their own
// manager with a fake clock, against a garden with the Hortus API. It has its own garden:
// a controller manager running the same controllers with the real clock would race them.

func TestGardenSchedule(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Shoot Hibernation and Maintenance Integration Suite")
}

// profileName is the CloudProfile all shoots of the suite use.
const profileName = "schedule"

var (
	env    *testenv.Environment
	scheme = runtime.NewScheme()
	c      client.Client
	// fakeClock is the clock of both controllers; specs set it and then trigger a
	// reconciliation by changing a label of their Shoot.
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

	By("creating a CloudProfile with several patch versions and its ControllerRegistration")
	Expect(c.Create(ctx, testenv.CloudProfile(profileName, "local", nil,
		gardencorev1beta1.ExpirableVersion{Version: "1.35.1"},
		gardencorev1beta1.ExpirableVersion{Version: "1.35.4"},
		gardencorev1beta1.ExpirableVersion{Version: "1.35.5", Classification: ptr(gardencorev1beta1.ClassificationPreview)},
		gardencorev1beta1.ExpirableVersion{Version: "1.36.3"},
	))).To(Succeed())
	Expect(c.Create(ctx, testenv.ProviderRegistration("schedule-provider-local", "local"))).To(Succeed())
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "garden-schedule-"}}
	Expect(c.Create(ctx, ns)).To(Succeed())
	namespace = ns.Name

	By("starting both controllers with the fake clock")
	mgr, err := manager.New(env.Config, manager.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Logger:                 GinkgoLogr,
	})
	Expect(err).NotTo(HaveOccurred())
	Expect((&shoothibernation.Reconciler{Clock: fakeClock}).AddToManager(mgr)).To(Succeed())
	Expect((&shootmaintenance.Reconciler{Clock: fakeClock}).AddToManager(mgr)).To(Succeed())

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

func ptr[T any](v T) *T { return &v }
