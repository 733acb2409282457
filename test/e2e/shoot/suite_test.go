package shoot_test

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

// This suite runs shoots on a local landscape: bin/hortus up in a temporary state
// directory, then bin/kubectl against its garden and against the shoots. `make test`
// builds the binaries first.

func TestShoot(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Shoot Control Plane E2E Suite")
}

var (
	// cli runs the built binaries in the checkout's root, with KUBECONFIG set to the
	// landscape's garden.
	cli       framework.CLI
	compatDir string
	stateDir  string
)

var _ = BeforeSuite(func(ctx SpecContext) {
	SetDefaultEventuallyTimeout(3 * time.Minute)
	SetDefaultEventuallyPollingInterval(250 * time.Millisecond)
	repoRoot, err := testenv.RepoRoot()
	Expect(err).NotTo(HaveOccurred())
	compatDir, err = testenv.CompatDir()
	Expect(err).NotTo(HaveOccurred())
	stateDir = filepath.Join(os.TempDir(), fmt.Sprintf("hortus-e2e-shoot-%d", GinkgoRandomSeed()))
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
		out, err := hortus(ctx, "down", "--purge", "--state-dir", stateDir)
		Expect(err).NotTo(HaveOccurred(), out)
	})
	out, err := hortus(ctx, "up", "--state-dir", stateDir)
	Expect(err).NotTo(HaveOccurred(), out)
}, NodeTimeout(5*time.Minute))

// hortus runs bin/hortus with args and returns its combined output.
func hortus(ctx context.Context, args ...string) (string, error) {
	return cli.Hortus(ctx, args...)
}

// kubectl runs bin/kubectl with the given kubeconfig.
func kubectl(ctx context.Context, kubeconfig string, args ...string) (string, error) {
	return cli.Kubectl(ctx, kubeconfig, args...)
}

// garden runs kubectl against the landscape's garden.
func garden(ctx context.Context, args ...string) (string, error) {
	return kubectl(ctx, filepath.Join(stateDir, "garden.kubeconfig"), args...)
}
