package landscape_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/test/e2e/framework"
	"github.com/hortus-dev/hortus/test/testenv"
)

// This suite drives the real CLI: bin/hortus up, status and down on a landscape in a
// temporary state directory, and bin/kubectl against its garden. `make test` builds both
// first.

func TestLandscape(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Local Landscape E2E Suite")
}

// cli runs the built binaries in the checkout's root.
var cli framework.CLI

var _ = BeforeSuite(func() {
	SetDefaultEventuallyTimeout(2 * time.Minute)
	SetDefaultEventuallyPollingInterval(250 * time.Millisecond)
	repoRoot, err := testenv.RepoRoot()
	Expect(err).NotTo(HaveOccurred())
	cli = framework.CLI{BinDir: framework.BinDir(repoRoot), Dir: repoRoot, Log: GinkgoWriter}
	for _, b := range []string{"hortus", "kube-apiserver", "kubectl"} {
		Expect(filepath.Join(cli.BinDir, b)).To(BeAnExistingFile(), "run 'make build kube' first")
	}
})

// hortus runs bin/hortus with args and returns its combined output and error.
func hortus(ctx context.Context, args ...string) (string, error) {
	return cli.Hortus(ctx, args...)
}

// kubectl runs bin/kubectl against the garden of the landscape in stateDir.
func kubectl(ctx context.Context, stateDir string, args ...string) (string, error) {
	return cli.Kubectl(ctx, filepath.Join(stateDir, "garden.kubeconfig"), args...)
}
