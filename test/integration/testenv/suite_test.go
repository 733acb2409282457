package testenv_test

import (
	"context"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/kubernetes"

	"github.com/hortus-dev/hortus/test/testenv"
)

func TestTestenv(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Testenv Integration Suite")
}

var (
	env   *testenv.Environment
	admin kubernetes.Interface
)

var _ = BeforeSuite(func(ctx context.Context) {
	var err error
	env, err = testenv.Start(ctx, testenv.Options{Logger: GinkgoLogr})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx context.Context) {
		Expect(env.Stop(ctx)).To(Succeed())
	})
	admin, err = kubernetes.NewForConfig(env.Config)
	Expect(err).NotTo(HaveOccurred())
})
