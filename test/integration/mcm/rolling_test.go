package mcm_test

import (
	"context"
	"errors"
	"time"

	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	machineclientset "github.com/gardener/machine-controller-manager/pkg/client/clientset/versioned"
	machineapi "github.com/gardener/machine-controller-manager/pkg/client/clientset/versioned/typed/machine/v1alpha1"
	machineinformers "github.com/gardener/machine-controller-manager/pkg/client/informers/externalversions"
	mcmcontroller "github.com/gardener/machine-controller-manager/pkg/controller"
	mcmoptions "github.com/gardener/machine-controller-manager/pkg/options"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	kubeinformers "k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/extensions/provider-local/mcm"
	"github.com/hortus-dev/hortus/test/e2e/framework"
)

// These specs run machine-controller-manager's MachineDeployment and MachineSet controllers
// alone (no machine controller, so machines stay Pending and never become available) with
// a MachineSet controller slowed down: the API server's answer to every Machine creation is
// held back for machineCreationDelay, as a busy API server or a slow admission webhook would.
// A rolling update of 3 replicas with maxSurge 1 and maxUnavailable 0 may then ask for no
// more than 4 machines, and since no new machine becomes available it stops there.

// machineCreationDelay is how long each Machine creation takes here.
const machineCreationDelay = time.Second

func init() {
	// Each spec runs machine-controller-manager's controllers once more in this process, and
	// they register the same collectors with Prometheus' default registry each time.
	prometheus.DefaultRegisterer = tolerantRegisterer{Registerer: prometheus.NewRegistry()}
}

// tolerantRegisterer registers collectors and ignores those registered already.
type tolerantRegisterer struct{ prometheus.Registerer }

func (r tolerantRegisterer) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil && !errors.As(err, &prometheus.AlreadyRegisteredError{}) {
			panic(err)
		}
	}
}

// slowMachines holds back every Machine creation's answer by machineCreationDelay.
type slowMachines struct {
	machineapi.MachineV1alpha1Interface
}

func (c slowMachines) Machines(namespace string) machineapi.MachineInterface {
	return slowMachineCreation{c.MachineV1alpha1Interface.Machines(namespace)}
}

type slowMachineCreation struct{ machineapi.MachineInterface }

func (c slowMachineCreation) Create(ctx context.Context, m *machinev1alpha1.Machine, opts metav1.CreateOptions) (*machinev1alpha1.Machine, error) {
	created, err := c.MachineInterface.Create(ctx, m, opts)
	time.Sleep(machineCreationDelay)
	return created, err
}

// newCore creates the controllers for a new namespace with a slowed MachineSet controller:
// Hortus' (mcm.NewCoreController) or, without Hortus' scale-up barrier, machine-controller-
// manager's own. It starts them and returns the namespace.
func newCore(ctx context.Context, hortus bool) string {
	GinkgoHelper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "shoot--rolling--"}}
	Expect(c.Create(ctx, ns)).To(Succeed())
	DeferCleanup(func(ctx context.Context) {
		// Machines and sets carry machine-controller-manager's finalizers, which only a
		// running machine controller would remove.
		for _, list := range []client.ObjectList{&machinev1alpha1.MachineList{}, &machinev1alpha1.MachineSetList{}, &machinev1alpha1.MachineDeploymentList{}} {
			Expect(c.List(ctx, list, client.InNamespace(ns.Name))).To(Succeed())
			Expect(meta.EachListItem(list, func(o runtime.Object) error {
				return client.IgnoreNotFound(c.Patch(ctx, o.(client.Object), client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`))))
			})).To(Succeed())
		}
		Expect(c.Delete(ctx, ns)).To(Succeed())
	})

	machineClient, err := machineclientset.NewForConfig(env.Config)
	Expect(err).NotTo(HaveOccurred())
	kube, err := kubernetes.NewForConfig(env.Config)
	Expect(err).NotTo(HaveOccurred())
	machineFactory := machineinformers.NewFilteredSharedInformerFactory(machineClient, 0, ns.Name, nil)
	targetFactory := kubeinformers.NewSharedInformerFactory(kube, 0)
	machines := machineFactory.Machine().V1alpha1()
	recorder := &record.FakeRecorder{}
	slow := slowMachines{machineClient.MachineV1alpha1()}

	runCtx, stop := context.WithCancel(context.Background())
	var core mcmcontroller.Controller
	if hortus {
		core, err = mcm.NewCoreController(runCtx, GinkgoLogr.WithName("mcm"), ns.Name, slow, kube, kube, machines, targetFactory, recorder)
	} else {
		core, err = mcmcontroller.NewController(ns.Name, slow, kube, kube, targetFactory, machines.Machines(), machines.MachineSets(), machines.MachineDeployments(),
			recorder, mcmoptions.SafetyOptions{SafetyUp: 2, SafetyDown: 1, MachineSafetyOvershootingPeriod: metav1.Duration{Duration: time.Minute}}, true)
	}
	Expect(err).NotTo(HaveOccurred())
	machineFactory.Start(runCtx.Done())
	targetFactory.Start(runCtx.Done())
	go core.Run(5, runCtx.Done())
	DeferCleanup(func() {
		// machine-controller-manager's workers stay idle until the process ends.
		stop()
		machineFactory.Shutdown()
		targetFactory.Shutdown()
	})
	return ns.Name
}

// rollOnce creates a deployment of 3 replicas with maxSurge 1 and maxUnavailable 0, waits
// for its set to count 3 machines, then changes its machine class and returns the check
// that watched the machine sets from just before the change.
func rollOnce(ctx context.Context, namespace string) *framework.RollingUpdateCheck {
	GinkgoHelper()
	deployment := machineDeployment(namespace, "pool-z1", "class-old", 3)
	Expect(c.Create(ctx, deployment)).To(Succeed())
	Eventually(func(g Gomega) {
		sets := &machinev1alpha1.MachineSetList{}
		g.Expect(c.List(ctx, sets, client.InNamespace(namespace))).To(Succeed())
		g.Expect(sets.Items).To(HaveLen(1))
		g.Expect(sets.Items[0].Status.Replicas).To(Equal(int32(3)))
	}).Should(Succeed(), "one machine set counting 3 machines")

	// No machine becomes available here, so only the surge bound is checked.
	check := &framework.RollingUpdateCheck{Replicas: 3, MaxSurge: 1, MaxUnavailable: 3}
	machineClient, err := machineclientset.NewForConfig(env.Config)
	Expect(err).NotTo(HaveOccurred())
	watch := machineinformers.NewFilteredSharedInformerFactory(machineClient, 0, namespace, nil)
	registration, err := watch.Machine().V1alpha1().MachineSets().Informer().AddEventHandler(check.Handler())
	Expect(err).NotTo(HaveOccurred())
	watchCtx, stop := context.WithCancel(context.Background())
	DeferCleanup(func() { stop(); watch.Shutdown() })
	watch.Start(watchCtx.Done())
	Eventually(registration.HasSynced).Should(BeTrue())
	Expect(check.Arm()).To(Succeed())

	patch := client.MergeFrom(deployment.DeepCopy())
	deployment.Spec.Template.Spec.Class.Name = "class-new"
	Expect(c.Patch(ctx, deployment, patch)).To(Succeed())
	return check
}

var _ = Describe("a rolling update with a slow MachineSet controller", func() {
	It("asks for no more than replicas + maxSurge machines with Hortus' controllers", func(ctx context.Context) {
		check := rollOnce(ctx, newCore(ctx, true))
		// The new set surges to one machine, and the roll waits for it to become available.
		Eventually(check.MaxReplicas).WithTimeout(time.Minute).Should(BeNumerically(">=", 4))
		// Long enough for several syncs of the deployment, each of which would surge again
		// without the barrier (see the next spec).
		Consistently(check.Violations).WithTimeout(5 * machineCreationDelay).Should(BeEmpty())
		Expect(check.MaxReplicas()).To(Equal(4))
	}, SpecTimeout(3*time.Minute))

	// This spec shows what the barrier in mcm.NewCoreController is for, and that the spec
	// above would catch its absence: machine-controller-manager's own controllers count a
	// machine set's status, which lags behind a scale-up by a Machine creation here.
	It("surges past maxSurge with machine-controller-manager's controllers alone", func(ctx context.Context) {
		check := rollOnce(ctx, newCore(ctx, false))
		Eventually(check.MaxReplicas).WithTimeout(time.Minute).Should(BeNumerically(">", 4),
			"machine-controller-manager no longer surges past maxSurge when its machine sets' status lags: the barrier in mcm.NewCoreController may be unneeded")
	}, SpecTimeout(3*time.Minute))
})
