package landscape_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/test/testenv"
)

// This suite drives the real CLI: bin/hortus up, status and down on a landscape in a
// temporary state directory, and bin/kubectl against its garden. `make test` builds both
// first.

func TestLandscape(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Local Landscape E2E Suite")
}

var (
	binDir   string
	repoRoot string
)

var _ = BeforeSuite(func() {
	SetDefaultEventuallyTimeout(2 * time.Minute)
	SetDefaultEventuallyPollingInterval(250 * time.Millisecond)
	var err error
	repoRoot, err = testenv.RepoRoot()
	Expect(err).NotTo(HaveOccurred())
	binDir = os.Getenv("HORTUS_BIN_DIR")
	if binDir == "" {
		binDir = filepath.Join(repoRoot, "bin")
	}
	for _, b := range []string{"hortus", "kube-apiserver", "kubectl"} {
		Expect(filepath.Join(binDir, b)).To(BeAnExistingFile(), "run 'make build kube' first")
	}
})

// hortus runs bin/hortus with args and returns its combined output and error.
func hortus(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "hortus"), args...)
	cmd.Dir = repoRoot
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	GinkgoWriter.Printf("$ hortus %s\n%s", strings.Join(args, " "), out.String())
	return out.String(), err
}

// kubectl runs bin/kubectl against the garden of the landscape in stateDir.
func kubectl(ctx context.Context, stateDir string, args ...string) (string, error) {
	all := append([]string{"--kubeconfig", filepath.Join(stateDir, "garden.kubeconfig")}, args...)
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "kubectl"), all...)
	cmd.Dir = repoRoot
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), err
}
