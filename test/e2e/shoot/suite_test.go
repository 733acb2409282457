package shoot_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/test/e2e/framework"
)

// This suite runs shoots on a local landscape: bin/hortus up in a temporary state
// directory, then bin/kubectl against its garden and against the shoots. `make test`
// builds the binaries first.

func TestShoot(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Shoot Control Plane E2E Suite")
}

var (
	// landscape is the suite's local landscape; cli (which runs the built binaries in the
	// checkout's root, with KUBECONFIG set to the landscape's garden), compatDir and
	// stateDir are its.
	landscape *framework.LocalLandscape
	cli       framework.CLI
	compatDir string
	stateDir  string
)

var _ = BeforeSuite(func(ctx SpecContext) {
	SetDefaultEventuallyTimeout(3 * time.Minute)
	SetDefaultEventuallyPollingInterval(250 * time.Millisecond)
	landscape = framework.StartLandscape(ctx, "shoot")
	cli, compatDir, stateDir = landscape.CLI, landscape.CompatDir, landscape.StateDir
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
	return landscape.Garden(ctx, args...)
}

// A failed spec prints the landscape's shoots, extension objects, machines and logs.
var _ = AfterEach(func(ctx SpecContext) { landscape.DiagnoseOnFailure(ctx) }, NodeTimeout(time.Minute))
