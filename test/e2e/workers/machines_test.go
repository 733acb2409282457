package workers_test

import (
	"context"

	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/hortus-dev/hortus/test/e2e/framework"
)

// watchMachines feeds check with every event of the Machines in the shoot's seed
// namespace, from an informer on the seed "local" (the garden) that runs until ctx ends.
// It returns once the informer's initial list has reached check.
func watchMachines(ctx context.Context, check *framework.RollingUpdateCheck) {
	GinkgoHelper()
	cfg, err := clientcmd.BuildConfigFromFlags("", landscape.GardenKubeconfig())
	Expect(err).NotTo(HaveOccurred())
	scheme := runtime.NewScheme()
	Expect(machinev1alpha1.AddToScheme(scheme)).To(Succeed())
	informers, err := cache.New(cfg, cache.Options{Scheme: scheme, DefaultNamespaces: map[string]cache.Config{technicalID: {}}})
	Expect(err).NotTo(HaveOccurred())
	informer, err := informers.GetInformer(ctx, &machinev1alpha1.Machine{})
	Expect(err).NotTo(HaveOccurred())
	registration, err := informer.AddEventHandler(check.Handler())
	Expect(err).NotTo(HaveOccurred())
	done := make(chan error, 1)
	go func() { done <- informers.Start(ctx) }()
	DeferCleanup(func() {
		// Start returns once ctx ends; the informer has stopped then.
		Eventually(done).Should(Receive(BeNil()))
	})
	Eventually(registration.HasSynced).Should(BeTrue(), "the informer's initial list of Machines")
}
