package workers_test

import (
	"context"

	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/test/e2e/framework"
)

// watchMachines feeds check with every event of the MachineSets and Machines in the
// shoot's seed namespace, from informers on the seed "local" (the garden) that run until
// ctx ends. It returns once both informers' initial lists have reached check.
func watchMachines(ctx context.Context, check *framework.RollingUpdateCheck) {
	GinkgoHelper()
	cfg, err := clientcmd.BuildConfigFromFlags("", landscape.GardenKubeconfig())
	Expect(err).NotTo(HaveOccurred())
	scheme := runtime.NewScheme()
	Expect(machinev1alpha1.AddToScheme(scheme)).To(Succeed())
	informers, err := cache.New(cfg, cache.Options{Scheme: scheme, DefaultNamespaces: map[string]cache.Config{technicalID: {}}})
	Expect(err).NotTo(HaveOccurred())
	var synced []func() bool
	for _, obj := range []client.Object{&machinev1alpha1.MachineSet{}, &machinev1alpha1.Machine{}} {
		informer, err := informers.GetInformer(ctx, obj)
		Expect(err).NotTo(HaveOccurred())
		registration, err := informer.AddEventHandler(check.Handler())
		Expect(err).NotTo(HaveOccurred())
		synced = append(synced, registration.HasSynced)
	}
	done := make(chan error, 1)
	go func() { done <- informers.Start(ctx) }()
	DeferCleanup(func() {
		// Start returns once ctx ends; the informer has stopped then.
		Eventually(done).Should(Receive(BeNil()))
	})
	Eventually(func() bool { return synced[0]() && synced[1]() }).Should(BeTrue(), "the informers' initial lists of MachineSets and Machines")
}
