package providerlocal_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/hortus-dev/hortus/extensions/provider-local/app"
	"github.com/hortus-dev/hortus/pkg/extensioncrds"
	"github.com/hortus-dev/hortus/test/testenv"
)

// This suite runs provider-local's manager in-process against a real kube-apiserver with
// the extension and machine CRDs, as on a seed. The same kube-apiserver also plays the
// shoot: the Secret gardener of each seed namespace holds its admin kubeconfig. No
// machine-controller-manager runs, so Workers wait for machines.

func TestProviderLocal(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Provider Local Integration Suite")
}

var (
	env    *testenv.Environment
	scheme *runtime.Scheme
	c      client.Client
	// backupDir is provider-local's --backup-dir.
	backupDir string
	// adminKubeconfig is the kubeconfig of the Secret gardener.
	adminKubeconfig []byte
)

var _ = BeforeSuite(func(ctx context.Context) {
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(200 * time.Millisecond)
	logf.SetLogger(GinkgoLogr)

	scheme = app.Scheme()
	utilruntime.Must(apiextensionsv1.AddToScheme(scheme))

	var err error
	env, err = testenv.Start(ctx, testenv.Options{Logger: GinkgoLogr})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx context.Context) {
		Expect(env.Stop(ctx)).To(Succeed())
	})
	c, err = client.New(env.Config, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	Expect(extensioncrds.Install(ctx, c)).To(Succeed())
	Expect(c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "garden"}})).To(Succeed())
	adminKubeconfig, err = env.Kubeconfig(env.Config, testenv.SetName, "admin")
	Expect(err).NotTo(HaveOccurred())

	backupDir = GinkgoT().TempDir()
	mgr, err := app.NewManager(rest.CopyConfig(env.Config), app.Options{BackupDir: backupDir, MaxConcurrentReconciles: 2})
	Expect(err).NotTo(HaveOccurred())
	mgrCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		defer GinkgoRecover()
		done <- mgr.Start(mgrCtx)
	}()
	DeferCleanup(func() {
		cancel()
		Eventually(done).Should(Receive(Not(HaveOccurred())))
	})
}, NodeTimeout(2*time.Minute))
