package framework

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/onsi/ginkgo/v2"

	"github.com/hortus-dev/hortus/test/testenv"
)

// landscapeBinaries are the binaries that `hortus up` and the suites need in the binary
// directory.
var landscapeBinaries = []string{"hortus", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"}

// LocalLandscape is a local landscape that an e2e suite runs with `hortus up` in a state
// directory of its own.
type LocalLandscape struct {
	// CLI runs the built binaries in the checkout's root, with KUBECONFIG set to the
	// landscape's garden.
	CLI CLI
	// CompatDir holds Gardener's example manifests (see testenv.CompatDir).
	CompatDir string
	// StateDir is the landscape's state directory, `hortus up --state-dir`.
	StateDir string
}

// NewLocalLandscape describes the landscape of the e2e suite named suite, in the state
// directory <temp dir>/hortus-e2e-<suite>-<seed>, with the binaries of BinDir(repository
// root); the commands' output goes to log. It starts nothing, and fails when a binary is
// missing or Gardener's example manifests are not found.
func NewLocalLandscape(suite string, seed int64, log io.Writer) (*LocalLandscape, error) {
	root, err := testenv.RepoRoot()
	if err != nil {
		return nil, err
	}
	compat, err := testenv.CompatDir()
	if err != nil {
		return nil, err
	}
	return newLocalLandscape(root, compat, suite, seed, log)
}

func newLocalLandscape(root, compat, suite string, seed int64, log io.Writer) (*LocalLandscape, error) {
	state := filepath.Join(os.TempDir(), fmt.Sprintf("hortus-e2e-%s-%d", suite, seed))
	l := &LocalLandscape{
		CLI: CLI{
			BinDir: BinDir(root),
			Dir:    root,
			Env:    []string{"KUBECONFIG=" + filepath.Join(state, "garden.kubeconfig")},
			Log:    log,
		},
		CompatDir: compat,
		StateDir:  state,
	}
	var missing []string
	for _, b := range landscapeBinaries {
		if _, err := os.Stat(filepath.Join(l.CLI.BinDir, b)); err != nil {
			missing = append(missing, b)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s not found in %s: run 'make build kube' first, or set HORTUS_BIN_DIR", strings.Join(missing, ", "), l.CLI.BinDir)
	}
	return l, nil
}

// GardenKubeconfig is the kubeconfig of the landscape's garden, which is also the seed
// "local".
func (l *LocalLandscape) GardenKubeconfig() string {
	return filepath.Join(l.StateDir, "garden.kubeconfig")
}

// Garden runs kubectl with args against the landscape's garden and returns its stdout.
func (l *LocalLandscape) Garden(ctx context.Context, args ...string) (string, error) {
	return l.CLI.Kubectl(ctx, l.GardenKubeconfig(), args...)
}

// Up runs `hortus up` in the state directory. Its error quotes the command's output.
func (l *LocalLandscape) Up(ctx context.Context) error {
	return l.hortus(ctx, "up", "--state-dir", l.StateDir)
}

// Down runs `hortus down --purge`: it stops the landscape and removes the state
// directory. Its error quotes the command's output.
func (l *LocalLandscape) Down(ctx context.Context) error {
	return l.hortus(ctx, "down", "--purge", "--state-dir", l.StateDir)
}

func (l *LocalLandscape) hortus(ctx context.Context, args ...string) error {
	if out, err := l.CLI.Hortus(ctx, args...); err != nil {
		return fmt.Errorf("hortus %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// StartLandscape is the BeforeSuite of a Ginkgo e2e suite on a local landscape: it
// describes the suite's landscape (see NewLocalLandscape, with the suite's random seed
// and GinkgoWriter), registers `hortus down --purge` for the end of the suite, and runs
// `hortus up`. Call it from a BeforeSuite node.
func StartLandscape(ctx context.Context, suite string) *LocalLandscape {
	ginkgo.GinkgoHelper()
	l, err := NewLocalLandscape(suite, ginkgo.GinkgoRandomSeed(), ginkgo.GinkgoWriter)
	if err != nil {
		ginkgo.Fail(err.Error())
	}
	// Registered before the start, so that a landscape that failed half way is removed too.
	ginkgo.DeferCleanup(func(ctx context.Context) {
		if err := l.Down(ctx); err != nil {
			ginkgo.Fail(err.Error())
		}
	})
	if err := l.Up(ctx); err != nil {
		ginkgo.Fail(err.Error())
	}
	return l
}
