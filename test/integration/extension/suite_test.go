package extension_test

import (
	"context"
	"testing"
	"time"

	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/hortus-dev/hortus/extensions/pkg/extension"
	"github.com/hortus-dev/hortus/pkg/extensioncrds"
	"github.com/hortus-dev/hortus/test/testenv"
)

// This suite runs the generic extension controller for Infrastructures of type "test" with
// a recording actuator against a real kube-apiserver with the extension CRDs, as a provider
// extension runs in a seed.

func TestExtension(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Extension Controller Integration Suite")
}

// testType is the extension type the controller under test handles.
const testType = "test"

var (
	env    *testenv.Environment
	scheme = runtime.NewScheme()
	// c is an admin client of the cluster.
	c client.Client
	// actuator records the controller's calls.
	actuator = newRecorder()
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(apiextensionsv1.AddToScheme(scheme))
	utilruntime.Must(extensionsv1alpha1.AddToScheme(scheme))
}

var _ = BeforeSuite(func(ctx context.Context) {
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)

	var err error
	env, err = testenv.Start(ctx, testenv.Options{Logger: GinkgoLogr})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx context.Context) {
		Expect(env.Stop(ctx)).To(Succeed())
	})
	c, err = client.New(env.Config, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	By("installing the extension CRDs")
	installCtx, cancelInstall := context.WithTimeout(ctx, time.Minute)
	defer cancelInstall()
	Expect(extensioncrds.Install(installCtx, c)).To(Succeed())

	By("starting the Infrastructure controller for type test")
	mgr, err := manager.New(env.Config, manager.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Logger:                 GinkgoLogr,
	})
	Expect(err).NotTo(HaveOccurred())
	Expect(extension.Add(mgr, extension.Args[*extensionsv1alpha1.Infrastructure]{
		Name:      "test-infrastructure",
		NewObject: func() *extensionsv1alpha1.Infrastructure { return &extensionsv1alpha1.Infrastructure{} },
		Type:      testType,
		Actuator:  actuator,
	})).To(Succeed())

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
