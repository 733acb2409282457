package seedextensionscheck_test

import (
	"context"
	"testing"
	"time"

	controllermanagerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/controllermanager/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/hortus-dev/hortus/pkg/controllermanager/controller/seedextensionscheck"
	"github.com/hortus-dev/hortus/test/testenv"
)

// This suite runs the seed extensions check controller alone, in its own manager with a
// fake clock, against a garden with the Hortus API. No gardenlet and no
// controllerregistration controller run: the specs create ControllerInstallations and
// report their conditions themselves.

func TestSeedExtensionsCheck(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Seed Extensions Check Integration Suite")
}

// threshold is how long the controller keeps ExtensionsReady Progressing before False.
const threshold = time.Minute

var (
	env    *testenv.Environment
	scheme = runtime.NewScheme()
	c      client.Client
	// raw reaches the garden's API without a scheme, for kubectl's tables.
	raw rest.Interface
	// fakeClock is the clock of the controller; specs step it past the threshold and
	// then make the controller look again by changing an installation's condition.
	fakeClock = clocktesting.NewFakeClock(time.Date(2026, 3, 11, 10, 0, 0, 0, time.UTC))
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
	rawConfig := rest.CopyConfig(env.Config)
	rawConfig.NegotiatedSerializer = clientgoscheme.Codecs.WithoutConversion()
	raw, err = rest.UnversionedRESTClientFor(rawConfig)
	Expect(err).NotTo(HaveOccurred())

	By("registering the seeds' provider type")
	Expect(c.Create(ctx, testenv.ProviderRegistration("extensionscheck-provider-local", "local"))).To(Succeed())

	By("starting the controller with the fake clock")
	mgr, err := manager.New(env.Config, manager.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Logger:                 GinkgoLogr,
	})
	Expect(err).NotTo(HaveOccurred())
	r := &seedextensionscheck.Reconciler{Clock: fakeClock}
	// Long enough that only events drive the specs.
	r.Config.SyncPeriod = &metav1.Duration{Duration: time.Hour}
	r.Config.ConditionThresholds = []controllermanagerconfigv1alpha1.ConditionThreshold{
		{Type: string(gardencorev1beta1.SeedExtensionsReady), Duration: metav1.Duration{Duration: threshold}},
	}
	Expect(r.AddToManager(mgr)).To(Succeed())

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
