package shoot_test

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

// This suite runs shoots on a local landscape: bin/hortus up in a temporary state
// directory, then bin/kubectl against its garden and against the shoots. `make test`
// builds the binaries first.

func TestShoot(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Shoot Control Plane E2E Suite")
}

var (
	binDir    string
	repoRoot  string
	compatDir string
	stateDir  string
)

var _ = BeforeSuite(func(ctx SpecContext) {
	SetDefaultEventuallyTimeout(3 * time.Minute)
	SetDefaultEventuallyPollingInterval(250 * time.Millisecond)
	var err error
	repoRoot, err = testenv.RepoRoot()
	Expect(err).NotTo(HaveOccurred())
	compatDir, err = testenv.CompatDir()
	Expect(err).NotTo(HaveOccurred())
	binDir = os.Getenv("HORTUS_BIN_DIR")
	if binDir == "" {
		binDir = filepath.Join(repoRoot, "bin")
	}
	for _, b := range []string{"hortus", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"} {
		Expect(filepath.Join(binDir, b)).To(BeAnExistingFile(), "run 'make build kube' first")
	}
	stateDir = filepath.Join(os.TempDir(), fmt.Sprintf("hortus-e2e-shoot-%d", GinkgoRandomSeed()))
	DeferCleanup(func(ctx context.Context) {
		out, err := hortus(ctx, "down", "--purge", "--state-dir", stateDir)
		Expect(err).NotTo(HaveOccurred(), out)
	})
	out, err := hortus(ctx, "up", "--state-dir", stateDir)
	Expect(err).NotTo(HaveOccurred(), out)
}, NodeTimeout(5*time.Minute))

// hortus runs bin/hortus with args and returns its combined output.
func hortus(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "hortus"), args...)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(stateDir, "garden.kubeconfig"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	GinkgoWriter.Printf("$ hortus %s\n%s", strings.Join(args, " "), out.String())
	return out.String(), err
}

// kubectl runs bin/kubectl with the given kubeconfig.
func kubectl(ctx context.Context, kubeconfig string, args ...string) (string, error) {
	all := append([]string{"--kubeconfig", kubeconfig}, args...)
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

// garden runs kubectl against the landscape's garden.
func garden(ctx context.Context, args ...string) (string, error) {
	return kubectl(ctx, filepath.Join(stateDir, "garden.kubeconfig"), args...)
}
