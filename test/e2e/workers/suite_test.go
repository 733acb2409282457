package workers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/hortus-dev/hortus/test/e2e/framework"
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
	// landscape is the suite's local landscape; cli, compatDir and stateDir are its.
	landscape *framework.LocalLandscape
	cli       framework.CLI
	compatDir string
	stateDir  string
)

var _ = BeforeSuite(func(ctx SpecContext) {
	SetDefaultEventuallyTimeout(3 * time.Minute)
	SetDefaultEventuallyPollingInterval(500 * time.Millisecond)
	// The informer on the seed's Machines logs through controller-runtime.
	logf.SetLogger(GinkgoLogr)
	landscape = framework.StartLandscape(ctx, "workers")
	cli, compatDir, stateDir = landscape.CLI, landscape.CompatDir, landscape.StateDir
}, NodeTimeout(5*time.Minute))

// garden runs kubectl against the landscape's garden, which is also the seed "local".
func garden(ctx context.Context, args ...string) (string, error) {
	return landscape.Garden(ctx, args...)
}

// A failed spec prints the landscape's shoots, extension objects, machines and logs.
var _ = AfterEach(func(ctx SpecContext) { landscape.DiagnoseOnFailure(ctx) }, NodeTimeout(time.Minute))
