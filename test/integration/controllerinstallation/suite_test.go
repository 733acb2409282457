package controllerinstallation_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	gardencorev1 "github.com/gardener/gardener/pkg/apis/core/v1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/hortus-dev/hortus/pkg/executor/process"
	"github.com/hortus-dev/hortus/pkg/gardenlet"
	"github.com/hortus-dev/hortus/test/testenv"
)

// This suite runs the gardenlet of seed "local" in-process against a garden with the
// Hortus API; the seed cluster is the same cluster, with admin credentials, and with the
// real kube-controller-manager that testenv starts on request (namespace deletion). The
// gardenlet's binary directory holds testdata/standin/hortus, a STAND-IN for the hortus
// binary that records its arguments and environment and blocks, so that the test chart's
// Hortus-image Deployment runs as a harmless local process.

func TestControllerInstallation(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "ControllerInstallation Integration Suite")
}

const seedName = "local"

var (
	env    *testenv.Environment
	scheme = runtime.NewScheme()
	// c is an admin client of the garden, which is also the seed.
	c client.Client
	// stateDir is the gardenlet's state directory.
	stateDir string
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(gardencorev1beta1.AddToScheme(scheme))
	utilruntime.Must(gardencorev1.AddToScheme(scheme))
}

var _ = BeforeSuite(func(ctx context.Context) {
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(200 * time.Millisecond)

	var err error
	env, err = testenv.Start(ctx, testenv.Options{
		Logger:        GinkgoLogr,
		WithGardenAPI: true,
		// A deleted ControllerInstallation's namespace must go, not stay Terminating.
		ControllerManager: &testenv.ControllerManagerOptions{
			Controllers: []string{"namespace-controller", "serviceaccount-controller"},
		},
	})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx context.Context) {
		Expect(env.Stop(ctx)).To(Succeed())
	})
	c, err = client.New(env.Config, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	By("creating the registration of the seed's provider")
	Expect(c.Create(ctx, testenv.ProviderRegistration("ci-provider-local", "local"))).To(Succeed())

	By("installing the gardenlet's RBAC and minting its identity")
	for _, obj := range gardenlet.GardenRBAC(seedName) {
		Expect(c.Create(ctx, obj)).To(Succeed(), "%T %s", obj, obj.GetName())
	}
	gardenletConfig, err := env.UserConfig(gardenlet.UserPrefix+seedName, gardenlet.Group)
	Expect(err).NotTo(HaveOccurred())
	gardenKubeconfig := filepath.Join(env.Dir, "gardenlet-garden.kubeconfig")
	Expect(env.WriteKubeconfig(gardenletConfig, gardenKubeconfig)).To(Succeed())

	By("starting the gardenlet with the stand-in hortus binary")
	ports, err := env.Ports.Allocate("ci-gardenlet", "health", "metrics")
	Expect(err).NotTo(HaveOccurred())
	cfg, err := gardenlet.DecodeConfig([]byte(fmt.Sprintf(`apiVersion: gardenlet.config.gardener.cloud/v1alpha1
kind: GardenletConfiguration
gardenClientConnection:
  kubeconfig: %[1]s
seedClientConnection:
  kubeconfig: %[2]s
seedConfig:
  metadata:
    name: %[3]s
  spec:
    provider: {type: local, region: local}
    networks: {pods: 10.1.0.0/16, services: 10.2.0.0/16}
server:
  healthProbes: {port: %[4]d}
  metrics: {port: %[5]d}
`, gardenKubeconfig, env.KubeconfigPath, seedName, ports["health"], ports["metrics"])))
	Expect(err).NotTo(HaveOccurred())
	stateDir = GinkgoT().TempDir()
	standin, err := filepath.Abs(filepath.Join("testdata", "standin"))
	Expect(err).NotTo(HaveOccurred())

	runCtx, cancel := context.WithCancel(logf.IntoContext(context.Background(), GinkgoLogr))
	done := make(chan error, 1)
	go func() {
		defer GinkgoRecover()
		done <- gardenlet.RunWithOptions(runCtx, cfg, gardenlet.Options{StateDir: stateDir, BinDirs: []string{standin}})
	}()
	DeferCleanup(func(ctx context.Context) {
		cancel()
		Eventually(done).WithTimeout(30 * time.Second).Should(Receive(BeNil()))
		// The gardenlet leaves its processes running for the next one to adopt; a failed
		// spec may have left some.
		ex, err := process.New(process.Options{StateDir: filepath.Join(stateDir, gardenlet.ExtensionsStateDir)})
		Expect(err).NotTo(HaveOccurred())
		Expect(ex.StopAll(ctx)).To(Succeed())
		Expect(ex.Close()).To(Succeed())
	})
}, NodeTimeout(4*time.Minute))
