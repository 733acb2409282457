package mcm_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/extensions/provider-local/machineclass"
	"github.com/hortus-dev/hortus/extensions/provider-local/mcm/driver"
)

// pid returns the pid of the machine's simulated node, as the process executor recorded it.
func pid(name string) int {
	GinkgoHelper()
	b, err := os.ReadFile(filepath.Join(machinesDir, name, driver.ComponentName, ".state.json"))
	Expect(err).NotTo(HaveOccurred())
	var st struct {
		PID int `json:"pid"`
	}
	Expect(json.Unmarshal(b, &st)).To(Succeed())
	Expect(st.PID).To(BeNumerically(">", 0))
	return st.PID
}

// alive reports whether pid runs. The executor in this process reaps its children, so an
// exited process does not linger as a zombie for long; a zombie counts as gone.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// runningMachines returns the names of the deployment's machines in phase Running.
func runningMachines(ctx context.Context) []string {
	list := &machinev1alpha1.MachineList{}
	Expect(c.List(ctx, list, client.InNamespace(namespace))).To(Succeed())
	var names []string
	for _, m := range list.Items {
		if m.Status.CurrentStatus.Phase == machinev1alpha1.MachineRunning {
			names = append(names, m.Name)
		}
	}
	return names
}

var _ = Describe("machine-controller-manager with the local driver", Ordered, func() {
	var (
		deployment *machinev1alpha1.MachineDeployment
		// pids of the machines' processes by machine name, as they were seen running.
		pids = map[string]int{}
	)

	BeforeAll(func(ctx context.Context) {
		kubeconfig, err := os.ReadFile(env.KubeconfigPath)
		Expect(err).NotTo(HaveOccurred())
		// The stand-in reads its user data as a kubeconfig; the comment shows that
		// machine-controller-manager fills in the machine's name.
		userData := "# machine: <<MACHINE_NAME>>\n" + string(kubeconfig)
		secret := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "worker-a", Namespace: namespace},
			Data:       map[string][]byte{machineclass.UserDataKey: []byte(userData)},
		}
		Expect(c.Create(ctx, secret)).To(Succeed())

		spec, err := machineclass.ProviderSpec{
			MachineType: "local-small", CPU: resource.MustParse("2"), Memory: resource.MustParse("4Gi"), Pods: resource.MustParse("110"),
			Zone: "local-1", Labels: map[string]string{"worker.gardener.cloud/pool": "a"},
		}.Marshal()
		Expect(err).NotTo(HaveOccurred())
		class := &machinev1alpha1.MachineClass{
			ObjectMeta:   metav1.ObjectMeta{Name: "worker-a", Namespace: namespace},
			Provider:     machineclass.Provider,
			ProviderSpec: runtime.RawExtension{Raw: spec},
			SecretRef:    &corev1.SecretReference{Name: secret.Name, Namespace: namespace},
		}
		Expect(c.Create(ctx, class)).To(Succeed())

		deployment = machineDeployment(namespace, "worker-a", class.Name, 2)
		Expect(c.Create(ctx, deployment)).To(Succeed())
	})

	It("creates two Running machines, each a simulated node process with a Node", func(ctx context.Context) {
		Eventually(func() []string { return runningMachines(ctx) }).WithTimeout(2 * time.Minute).Should(HaveLen(2))
		Expect(setNames()).To(ConsistOf(runningMachines(ctx)))

		for _, name := range runningMachines(ctx) {
			m := &machinev1alpha1.Machine{}
			Expect(c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, m)).To(Succeed())
			Expect(m.Spec.ProviderID).To(Equal("local:///" + namespace + "/" + name))
			Expect(m.Labels).To(HaveKeyWithValue(machinev1alpha1.NodeLabelKey, name))

			node := &corev1.Node{}
			Expect(c.Get(ctx, client.ObjectKey{Name: name}, node)).To(Succeed())
			Expect(node.Spec.ProviderID).To(Equal(m.Spec.ProviderID))
			Expect(node.Labels).To(HaveKeyWithValue(corev1.LabelInstanceTypeStable, "local-small"))
			Expect(node.Labels).To(HaveKeyWithValue(corev1.LabelTopologyZone, "local-1"))
			Expect(node.Labels).To(HaveKeyWithValue("worker.gardener.cloud/pool", "a"))
			Expect(node.Status.Capacity.Memory().String()).To(Equal("4Gi"))

			userData, err := os.ReadFile(filepath.Join(machinesDir, name, driver.ComponentName, driver.UserDataFile))
			Expect(err).NotTo(HaveOccurred())
			Expect(string(userData)).To(HavePrefix("# machine: " + name + "\n"))

			pids[name] = pid(name)
			Expect(alive(pids[name])).To(BeTrue(), "machine %s has no process", name)
		}
	})

	It("scales down to one machine: the other's process and directory are gone", func(ctx context.Context) {
		patch := client.MergeFrom(deployment.DeepCopy())
		deployment.Spec.Replicas = 1
		Expect(c.Patch(ctx, deployment, patch)).To(Succeed())

		Eventually(func(g Gomega) {
			list := &machinev1alpha1.MachineList{}
			g.Expect(c.List(ctx, list, client.InNamespace(namespace))).To(Succeed())
			g.Expect(list.Items).To(HaveLen(1))
			g.Expect(setNames()).To(ConsistOf(list.Items[0].Name))
		}).WithTimeout(2 * time.Minute).Should(Succeed())

		kept := setNames()[0]
		Expect(alive(pids[kept])).To(BeTrue(), "the remaining machine's process is gone")
		Expect(deletionRestarts.Load()).To(BeZero(), "the machine controller started a deletion flow over")
		for name, p := range pids {
			if name != kept {
				Eventually(func() bool { return alive(p) }).Should(BeFalse(), "the process of removed machine %s still runs", name)
				Eventually(func() error { return c.Get(ctx, client.ObjectKey{Name: name}, &corev1.Node{}) }).Should(Satisfy(apierrors.IsNotFound))
			}
		}
	})

	It("deletes every machine with the deployment: no process and no directory remain", func(ctx context.Context) {
		Expect(c.Delete(ctx, deployment)).To(Succeed())
		Eventually(func(g Gomega) {
			list := &machinev1alpha1.MachineList{}
			g.Expect(c.List(ctx, list, client.InNamespace(namespace))).To(Succeed())
			g.Expect(list.Items).To(BeEmpty())
			g.Expect(setNames()).To(BeEmpty())
			g.Expect(c.Get(ctx, client.ObjectKeyFromObject(deployment), &machinev1alpha1.MachineDeployment{})).To(Satisfy(apierrors.IsNotFound))
		}).WithTimeout(2 * time.Minute).Should(Succeed())
		for name, p := range pids {
			Eventually(func() bool { return alive(p) }).Should(BeFalse(), "the process of machine %s still runs", name)
		}
		Expect(deletionRestarts.Load()).To(BeZero(), "the machine controller started a deletion flow over")
	})
})
