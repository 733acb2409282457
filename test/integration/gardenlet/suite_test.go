package gardenlet_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/hortus-dev/hortus/pkg/gardenlet"
	"github.com/hortus-dev/hortus/test/testenv"
)

// This suite runs the gardenlet of seed "local" in-process, with a configuration built
// here, against a garden with the Hortus API. Its garden identity is a client certificate
// for gardenlet.UserPrefix+"local" in gardenlet.Group with the rights of
// gardenlet.GardenRBAC; the seed cluster is the same cluster, with admin credentials.

func TestGardenlet(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Gardenlet Integration Suite")
}

const (
	seedName = "local"
	// otherSeed is a seed without a gardenlet.
	otherSeed   = "other"
	profileName = "gardenlet"
	// capacity and reserved are the shoots of resources.capacity and resources.reserved.
	capacity = 10
	reserved = 2
	// syncPeriod is controllers.seed.syncPeriod, short to see status reports.
	syncPeriod = 2 * time.Second
	// leaseRenewPeriod is Options.LeaseRenewPeriod.
	leaseRenewPeriod = time.Second
)

var (
	env    *testenv.Environment
	scheme = runtime.NewScheme()
	// c is an admin client of the garden.
	c client.Client
	// gardenletConfig is the garden client configuration of the gardenlet's identity, and
	// gardenletClient a client with it.
	gardenletConfig *rest.Config
	gardenletClient client.Client
	// namespace holds the suite's Shoots.
	namespace string
	// healthPort and metricsPort are the ports of the gardenlet's servers.
	healthPort, metricsPort int
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(gardencorev1beta1.AddToScheme(scheme))
	utilruntime.Must(extensionsv1alpha1.AddToScheme(scheme))
}

var _ = BeforeSuite(func(ctx context.Context) {
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(200 * time.Millisecond)
	SetDefaultConsistentlyDuration(3 * time.Second)

	var err error
	env, err = testenv.Start(ctx, testenv.Options{Logger: GinkgoLogr, WithGardenAPI: true})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx context.Context) {
		Expect(env.Stop(ctx)).To(Succeed())
	})
	c, err = client.New(env.Config, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	By("creating a CloudProfile, the ControllerRegistrations the seeds and shoots need, and a namespace")
	Expect(c.Create(ctx, testenv.CloudProfile(profileName, "local", nil))).To(Succeed())
	Expect(c.Create(ctx, testenv.ProviderRegistration("gardenlet-provider-local", "local"))).To(Succeed())
	Expect(c.Create(ctx, &gardencorev1beta1.ControllerRegistration{
		ObjectMeta: metav1.ObjectMeta{Name: "gardenlet-backup-local"},
		Spec: gardencorev1beta1.ControllerRegistrationSpec{Resources: []gardencorev1beta1.ControllerResource{
			{Kind: "BackupBucket", Type: "local"}, {Kind: "BackupEntry", Type: "local"},
		}},
	})).To(Succeed())
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "garden-gardenlet-"}}
	Expect(c.Create(ctx, ns)).To(Succeed())
	namespace = ns.Name
	Expect(c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "backup", Namespace: namespace}})).To(Succeed())
	Expect(c.Create(ctx, newSeed(otherSeed))).To(Succeed())

	By("installing the gardenlet's RBAC and minting its identity")
	for _, obj := range gardenlet.GardenRBAC(seedName) {
		Expect(c.Create(ctx, obj)).To(Succeed(), "%T %s", obj, obj.GetName())
	}
	gardenletConfig, err = env.UserConfig(gardenlet.UserPrefix+seedName, gardenlet.Group)
	Expect(err).NotTo(HaveOccurred())
	gardenletClient, err = client.New(gardenletConfig, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	gardenKubeconfig := filepath.Join(env.Dir, "gardenlet-garden.kubeconfig")
	Expect(env.WriteKubeconfig(gardenletConfig, gardenKubeconfig)).To(Succeed())

	By("starting the gardenlet")
	ports, err := env.Ports.Allocate("gardenlet", "health", "metrics")
	Expect(err).NotTo(HaveOccurred())
	healthPort, metricsPort = ports["health"], ports["metrics"]
	cfg, err := gardenlet.DecodeConfig([]byte(fmt.Sprintf(`apiVersion: gardenlet.config.gardener.cloud/v1alpha1
kind: GardenletConfiguration
gardenClientConnection:
  kubeconfig: %[1]s
seedClientConnection:
  kubeconfig: %[2]s
seedConfig:
  metadata:
    name: %[3]s
    labels:
      base: local
    annotations:
      test.hortus.dev/from: config
  spec:
    provider: {type: local, region: local}
    networks: {pods: 10.1.0.0/16, services: 10.2.0.0/16}
    backup:
      provider: local
      credentialsRef: {apiVersion: v1, kind: Secret, namespace: %[4]s, name: backup}
resources:
  capacity: {shoots: "%[5]d"}
  reserved: {shoots: "%[6]d"}
controllers:
  seed: {syncPeriod: %[7]s}
server:
  healthProbes: {port: %[8]d}
  metrics: {port: %[9]d}
`, gardenKubeconfig, env.KubeconfigPath, seedName, namespace, capacity, reserved, syncPeriod, healthPort, metricsPort)))
	Expect(err).NotTo(HaveOccurred())

	// The gardenlet's state directory is removed once the gardenlet has stopped, so that
	// nothing it writes on its way out is left behind.
	stateDir, err := os.MkdirTemp("", "hortus-gardenlet-it-")
	Expect(err).NotTo(HaveOccurred())
	runCtx, cancel := context.WithCancel(logf.IntoContext(context.Background(), GinkgoLogr))
	done := make(chan error, 1)
	go func() {
		defer GinkgoRecover()
		done <- gardenlet.RunWithOptions(runCtx, cfg, gardenlet.Options{LeaseRenewPeriod: leaseRenewPeriod, StateDir: stateDir})
	}()
	DeferCleanup(func() {
		cancel()
		Eventually(done).WithTimeout(30 * time.Second).Should(Receive(BeNil()))
		Expect(os.RemoveAll(stateDir)).To(Succeed())
	})
}, NodeTimeout(4*time.Minute))

// newSeed returns a Seed of provider local.
func newSeed(name string) *gardencorev1beta1.Seed {
	return &gardencorev1beta1.Seed{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: gardencorev1beta1.SeedSpec{
			Provider: gardencorev1beta1.SeedProvider{Type: "local", Region: "local"},
			Networks: gardencorev1beta1.SeedNetworks{Pods: "10.1.0.0/16", Services: "10.2.0.0/16"},
		},
	}
}
