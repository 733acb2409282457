package workers_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/test/e2e/framework"
	"github.com/hortus-dev/hortus/test/testenv"
)

// This suite runs Gardener's provider-local example shoot, with a worker pool, on a local
// landscape: bin/hortus up in a temporary state directory, then bin/kubectl against its
// garden and against the shoot. Its nodes are simulated (provider-local's machines run no
// containers). `make test` builds the binaries first.

func TestWorkers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Workers and Extensions E2E Suite")
}

var (
	cli       framework.CLI
	compatDir string
	stateDir  string
)

var _ = BeforeSuite(func(ctx SpecContext) {
	SetDefaultEventuallyTimeout(3 * time.Minute)
	SetDefaultEventuallyPollingInterval(500 * time.Millisecond)
	repoRoot, err := testenv.RepoRoot()
	Expect(err).NotTo(HaveOccurred())
	compatDir, err = testenv.CompatDir()
	Expect(err).NotTo(HaveOccurred())
	stateDir = filepath.Join(os.TempDir(), fmt.Sprintf("hortus-e2e-workers-%d", GinkgoRandomSeed()))
	cli = framework.CLI{
		BinDir: framework.BinDir(repoRoot),
		Dir:    repoRoot,
		Env:    []string{"KUBECONFIG=" + filepath.Join(stateDir, "garden.kubeconfig")},
		Log:    GinkgoWriter,
	}
	for _, b := range []string{"hortus", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"} {
		Expect(filepath.Join(cli.BinDir, b)).To(BeAnExistingFile(), "run 'make build kube' first")
	}
	DeferCleanup(func(ctx context.Context) {
		out, err := cli.Hortus(ctx, "down", "--purge", "--state-dir", stateDir)
		Expect(err).NotTo(HaveOccurred(), out)
	})
	out, err := cli.Hortus(ctx, "up", "--state-dir", stateDir)
	Expect(err).NotTo(HaveOccurred(), out)
}, NodeTimeout(5*time.Minute))

// garden runs kubectl against the landscape's garden, which is also the seed "local".
func garden(ctx context.Context, args ...string) (string, error) {
	return cli.Kubectl(ctx, filepath.Join(stateDir, "garden.kubeconfig"), args...)
}
