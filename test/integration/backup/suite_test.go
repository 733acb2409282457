package backup_test

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
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/hortus-dev/hortus/extensions/provider-local/controller"
	localbackupbucket "github.com/hortus-dev/hortus/extensions/provider-local/controller/backupbucket"
	localbackupentry "github.com/hortus-dev/hortus/extensions/provider-local/controller/backupentry"
	"github.com/hortus-dev/hortus/pkg/gardenlet"
	"github.com/hortus-dev/hortus/test/testenv"
)

// This suite runs the backup pipeline from the garden to provider-local with a garden and
// a seed that are separate clusters: the gardenlet of seed "local" in-process, with its own
// garden identity (the rights of gardenlet.GardenRBAC), keeps the seed's BackupBucket and
// turns it and the BackupEntries into extension objects in the seed; provider-local's
// BackupBucket and BackupEntry actuators, in-process on the seed with a temporary backup
// directory, reconcile those. The gardenlet starts before the extension CRDs are in the
// seed, as on a new seed. No shoot runs: the suite creates the BackupEntries and the
// shoot namespaces in the seed as the shoot flow would.

func TestBackup(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Backup Integration Suite")
}

const (
	seedName = "local"
	// credentialsName is the (empty) backup credentials in the garden namespace garden.
	credentialsName = "backup-local"
)

var (
	scheme = runtime.NewScheme()
	// garden and seed are the two clusters; gardenClient and seedClient admin clients.
	garden, seed             *testenv.Environment
	gardenClient, seedClient client.Client
	// backupDir is provider-local's --backup-dir.
	backupDir string
	// projectNamespace holds the suite's BackupEntries.
	projectNamespace string
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(gardencorev1beta1.AddToScheme(scheme))
	utilruntime.Must(extensionsv1alpha1.AddToScheme(scheme))
	utilruntime.Must(apiextensionsv1.AddToScheme(scheme))
}

var _ = BeforeSuite(func(ctx context.Context) {
	SetDefaultEventuallyTimeout(60 * time.Second)
	SetDefaultEventuallyPollingInterval(200 * time.Millisecond)
	logf.SetLogger(GinkgoLogr)

	By("starting a garden with the Hortus API and a seed cluster")
	var err error
	garden, err = testenv.Start(ctx, testenv.Options{Logger: GinkgoLogr, WithGardenAPI: true})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx context.Context) { Expect(garden.Stop(ctx)).To(Succeed()) })
	seed, err = testenv.Start(ctx, testenv.Options{Logger: GinkgoLogr})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx context.Context) { Expect(seed.Stop(ctx)).To(Succeed()) })
	gardenClient, err = client.New(garden.Config, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	seedClient, err = client.New(seed.Config, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	By("creating the registrations, the backup credentials and a project namespace in the garden")
	Expect(gardenClient.Create(ctx, testenv.ProviderRegistration("provider-local", "local"))).To(Succeed())
	Expect(gardenClient.Create(ctx, &gardencorev1beta1.ControllerRegistration{
		ObjectMeta: metav1.ObjectMeta{Name: "backup-local"},
		Spec: gardencorev1beta1.ControllerRegistrationSpec{Resources: []gardencorev1beta1.ControllerResource{
			{Kind: "BackupBucket", Type: "local"}, {Kind: "BackupEntry", Type: "local"},
		}},
	})).To(Succeed())
	Expect(gardenClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "garden"}})).To(Succeed())
	Expect(gardenClient.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "garden", Name: credentialsName}})).To(Succeed())
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "garden-backup-"}}
	Expect(gardenClient.Create(ctx, ns)).To(Succeed())
	projectNamespace = ns.Name

	By("starting the gardenlet with its garden identity")
	for _, obj := range gardenlet.GardenRBAC(seedName) {
		Expect(gardenClient.Create(ctx, obj)).To(Succeed(), "%T %s", obj, obj.GetName())
	}
	identity, err := garden.UserConfig(gardenlet.UserPrefix+seedName, gardenlet.Group)
	Expect(err).NotTo(HaveOccurred())
	gardenKubeconfig := filepath.Join(garden.Dir, "gardenlet-garden.kubeconfig")
	Expect(garden.WriteKubeconfig(identity, gardenKubeconfig)).To(Succeed())
	ports, err := garden.Ports.Allocate("gardenlet", "health", "metrics")
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
    backup:
      provider: local
      region: local
      credentialsRef: {apiVersion: v1, kind: Secret, namespace: garden, name: %[4]s}
controllers:
  seed: {syncPeriod: 2s}
server:
  healthProbes: {port: %[5]d}
  metrics: {port: %[6]d}
`, gardenKubeconfig, seed.KubeconfigPath, seedName, credentialsName, ports["health"], ports["metrics"])))
	Expect(err).NotTo(HaveOccurred())
	// Removed once the gardenlet has stopped, so that nothing it writes on its way out is
	// left behind.
	stateDir, err := os.MkdirTemp("", "hortus-backup-it-")
	Expect(err).NotTo(HaveOccurred())
	runCtx, cancel := context.WithCancel(logf.IntoContext(context.Background(), GinkgoLogr.WithName("gardenlet")))
	done := make(chan error, 1)
	go func() {
		defer GinkgoRecover()
		done <- gardenlet.RunWithOptions(runCtx, cfg, gardenlet.Options{StateDir: stateDir})
	}()
	DeferCleanup(func() {
		cancel()
		Eventually(done).WithTimeout(30 * time.Second).Should(Receive(BeNil()))
		Expect(os.RemoveAll(stateDir)).To(Succeed())
	})

	// The gardenlet started before the extension CRDs were in the seed: its seed controller
	// installs them, and its backup controllers watch them once they are there.
	By("starting provider-local's backup controllers on the seed once the gardenlet installed the CRDs")
	for _, name := range []string{"backupbuckets.extensions.gardener.cloud", "backupentries.extensions.gardener.cloud"} {
		Eventually(func(g Gomega) {
			crd := &apiextensionsv1.CustomResourceDefinition{}
			g.Expect(seedClient.Get(ctx, client.ObjectKey{Name: name}, crd)).To(Succeed())
			g.Expect(crd.Status.Conditions).To(ContainElement(And(
				HaveField("Type", apiextensionsv1.Established), HaveField("Status", apiextensionsv1.ConditionTrue))))
		}).Should(Succeed(), "CRD %s", name)
	}
	backupDir = GinkgoT().TempDir()
	startProviderLocal(rest.CopyConfig(seed.Config))
}, NodeTimeout(4*time.Minute))

// startProviderLocal runs provider-local's BackupBucket and BackupEntry controllers on the
// seed until the suite ends.
func startProviderLocal(cfg *rest.Config) {
	GinkgoHelper()
	mgr, err := manager.New(cfg, manager.Options{
		Scheme:                 scheme,
		Client:                 client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}},
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	})
	Expect(err).NotTo(HaveOccurred())
	Expect((&localbackupbucket.Actuator{Client: mgr.GetClient(), Dir: backupDir}).AddToManager(mgr, controller.Options{})).To(Succeed())
	Expect((&localbackupentry.Actuator{Client: mgr.GetClient(), Dir: backupDir}).AddToManager(mgr, controller.Options{})).To(Succeed())
	ctx, cancel := context.WithCancel(logf.IntoContext(context.Background(), GinkgoLogr.WithName("provider-local")))
	done := make(chan error, 1)
	go func() {
		defer GinkgoRecover()
		done <- mgr.Start(ctx)
	}()
	DeferCleanup(func() {
		cancel()
		Eventually(done).WithTimeout(30 * time.Second).Should(Receive(BeNil()))
	})
}
