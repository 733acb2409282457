package controllermanager_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/hortus-dev/hortus/pkg/controllermanager"
	"github.com/hortus-dev/hortus/test/testenv"
)

func TestControllerManager(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Controller Manager Integration Suite")
}

// compatDir holds Gardener's example manifests, which Hortus must accept.
var compatDir = func() string {
	dir, err := testenv.CompatDir()
	if err != nil {
		panic(err)
	}
	return dir
}()

var (
	env    *testenv.Environment
	scheme = controllermanager.Scheme()
	// c is an admin client.
	c client.Client
	// readyURL is the controller manager's readiness probe, metricsURL its metrics.
	readyURL, metricsURL string
)

var _ = BeforeSuite(func(ctx context.Context) {
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(200 * time.Millisecond)
	// Eventually(ctx, …) waits for ctx alone unless told to keep the default timeout.
	EnforceDefaultTimeoutsWhenUsingContexts()

	var err error
	env, err = testenv.Start(ctx, testenv.Options{Logger: GinkgoLogr, WithGardenAPI: true})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx context.Context) {
		Expect(env.Stop(ctx)).To(Succeed())
	})
	c, err = client.New(env.Config, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	By("creating the CloudProfile of Gardener's provider-local example")
	cloudProfile := &gardencorev1beta1.CloudProfile{}
	decodeExample("provider-local/cloudprofile.yaml", cloudProfile)
	Expect(c.Create(ctx, cloudProfile)).To(Succeed())

	By("starting the controller manager in-process")
	ports, err := env.Ports.Allocate("controller-manager", "healthz", "metrics")
	Expect(err).NotTo(HaveOccurred())
	cfg, err := controllermanager.DecodeConfig([]byte(fmt.Sprintf(`apiVersion: controllermanager.config.gardener.cloud/v1alpha1
kind: ControllerManagerConfiguration
gardenClientConnection:
  kubeconfig: %s
server:
  healthProbes: {port: %d}
  metrics: {port: %d}
`, env.KubeconfigPath, ports["healthz"], ports["metrics"])))
	Expect(err).NotTo(HaveOccurred())
	readyURL = "http://127.0.0.1:" + strconv.Itoa(ports["healthz"]) + "/readyz"
	metricsURL = "http://127.0.0.1:" + strconv.Itoa(ports["metrics"]) + "/metrics"

	mgrCtx, cancel := context.WithCancel(logf.IntoContext(context.Background(), GinkgoLogr))
	var runErr error
	done := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(done)
		runErr = controllermanager.Run(mgrCtx, cfg)
	}()
	DeferCleanup(func(ctx context.Context) {
		cancel()
		select {
		case <-done:
			Expect(runErr).NotTo(HaveOccurred())
		case <-ctx.Done():
			Fail("the controller manager did not stop")
		}
	}, NodeTimeout(time.Minute))

	Eventually(func() error {
		select {
		case <-done:
			return StopTrying(fmt.Sprintf("the controller manager ended early: %v", runErr))
		default:
		}
		resp, err := http.Get(readyURL)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("readyz: %s", resp.Status)
		}
		return nil
	}).WithTimeout(time.Minute).Should(Succeed())
}, NodeTimeout(4*time.Minute))

// decodeExample decodes the Gardener example manifest file (below compatDir) into obj.
func decodeExample(file string, obj runtime.Object) {
	GinkgoHelper()
	data, err := os.ReadFile(filepath.Join(compatDir, file))
	Expect(err).NotTo(HaveOccurred())
	_, _, err = serializer.NewCodecFactory(scheme).UniversalDeserializer().Decode(data, nil, obj)
	Expect(err).NotTo(HaveOccurred())
}

// userClient returns a client that acts as user, a member of groups, with exactly the
// rights RBAC grants them.
func userClient(user string, groups ...string) client.Client {
	GinkgoHelper()
	cfg, err := env.UserConfig(user, groups...)
	Expect(err).NotTo(HaveOccurred())
	return mustClient(cfg)
}

func mustClient(cfg *rest.Config) client.Client {
	GinkgoHelper()
	cl, err := client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	return cl
}

var _ = Describe("Controller manager", func() {
	It("serves readiness, health and metrics on loopback", func(ctx context.Context) {
		for _, url := range []string{readyURL, strings.Replace(readyURL, "/readyz", "/healthz", 1), metricsURL} {
			body := get(ctx, url)
			if url == metricsURL {
				Expect(body).To(ContainSubstring(`controller_runtime_reconcile_total{controller="project"`))
			}
		}
	})
})

// get returns the body of a GET of url, which must answer 200.
func get(ctx context.Context, url string) string {
	GinkgoHelper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	Expect(err).NotTo(HaveOccurred())
	resp, err := http.DefaultClient.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	Expect(resp.StatusCode).To(Equal(http.StatusOK), "%s: %s", url, body)
	return string(body)
}
