package shoot_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/test/e2e/framework"
)

// gardenletPID is the pid of seed local's gardenlet, which the landscape supervises.
func gardenletPID() int {
	pid, err := framework.PID(filepath.Join(stateDir, "components"), "seed-local", "gardenlet")
	Expect(err).NotTo(HaveOccurred())
	return pid
}

// processesIn lists the live processes whose working directory is below dir: the
// control-plane processes of a shoot, whichever gardenlet started them.
func processesIn(dir string) []string {
	out, err := framework.ProcessesIn(dir)
	Expect(err).NotTo(HaveOccurred())
	return out
}

// killGardenletWhen kills the gardenlet with SIGKILL once the shoot's last operation has
// the given type and at least the given progress, and waits until the supervisor started
// a new one.
func killGardenletWhen(ctx context.Context, name, opType string, progress int) {
	Eventually(ctx, func() (bool, error) {
		out, err := garden(ctx, "-n", namespace, "get", "shoot", name, "-o", "jsonpath={.status.lastOperation.type}/{.status.lastOperation.state}/{.status.lastOperation.progress}")
		if err != nil {
			return false, err
		}
		parts := strings.Split(out, "/")
		if len(parts) != 3 || parts[0] != opType || parts[1] != "Processing" {
			return false, nil
		}
		p, _ := strconv.Atoi(parts[2])
		return p >= progress, nil
	}).WithPolling(20 * time.Millisecond).Should(BeTrue())
	old := gardenletPID()
	By(fmt.Sprintf("killing the gardenlet (pid %d) during %s at ≥%d%%", old, opType, progress))
	Expect(syscall.Kill(old, syscall.SIGKILL)).To(Succeed())
	Eventually(ctx, gardenletPID).ShouldNot(Equal(old))
}

var _ = Describe("a gardenlet killed in the middle of a flow", func() {
	for i, progress := range []int{0, 30, 70} {
		name := fmt.Sprintf("chaos-%d", i)
		id := "shoot--local--" + name

		It(fmt.Sprintf("converges when killed at %d%% of create and of delete, with no orphaned process", progress), func(ctx SpecContext) {
			manifest := fmt.Sprintf(`apiVersion: core.gardener.cloud/v1beta1
kind: Shoot
metadata:
  name: %s
  namespace: %s
  annotations:
    confirmation.gardener.cloud/deletion: "true"
spec:
  cloudProfile:
    name: local
  region: local
  provider:
    type: local
`, name, namespace)
			_, err := garden(ctx, "apply", "-f", writeTemp(manifest))
			Expect(err).NotTo(HaveOccurred())
			killGardenletWhen(ctx, name, "Create", progress)
			waitSucceeded(ctx, name)
			Expect(processesIn(shootDir(id))).To(HaveLen(5), "one process per component (etcd, its backup sidecar, kube-apiserver, kube-controller-manager, kube-scheduler), none twice")
			Eventually(ctx, jsonpath(ctx, name, `{.status.conditions[?(@.type=="APIServerAvailable")].status}`)).Should(Equal("True"))

			_, err = garden(ctx, "-n", namespace, "delete", "shoot", name, "--wait=false")
			Expect(err).NotTo(HaveOccurred())
			killGardenletWhen(ctx, name, "Delete", progress)
			Eventually(ctx, func() (string, error) {
				return garden(ctx, "-n", namespace, "get", "shoots", "-o", "name")
			}).ShouldNot(ContainSubstring("/" + name))
			Expect(processesIn(shootDir(id))).To(BeEmpty())
			Expect(shootDir(id)).NotTo(BeADirectory())
			Expect(garden(ctx, "get", "namespace", id, "--ignore-not-found", "-o", "name")).To(BeEmpty())
			Expect(entryDirs(id)).To(BeEmpty(), "no BackupEntry directory is left")
		}, SpecTimeout(5*time.Minute))
	}
})

var _ = Describe("a killed kube-apiserver", Ordered, func() {
	const name = "heal"
	id := "shoot--local--" + name

	It("is restarted, and care reports the restart", func(ctx SpecContext) {
		manifest := fmt.Sprintf(`apiVersion: core.gardener.cloud/v1beta1
kind: Shoot
metadata:
  name: %s
  namespace: %s
  annotations:
    confirmation.gardener.cloud/deletion: "true"
spec:
  cloudProfile:
    name: local
  region: local
  provider:
    type: local
`, name, namespace)
		_, err := garden(ctx, "apply", "-f", writeTemp(manifest))
		Expect(err).NotTo(HaveOccurred())
		waitSucceeded(ctx, name)
		old := shootPIDs(id)["kube-apiserver"]
		Expect(syscall.Kill(old, syscall.SIGKILL)).To(Succeed())
		Eventually(ctx, func() int { return shootPIDs(id)["kube-apiserver"] }).ShouldNot(Equal(old))
		// Care looks again on its period (30s); the operation annotation is not needed.
		Eventually(ctx, jsonpath(ctx, name, `{.status.conditions[?(@.type=="ControlPlaneHealthy")].message}`)).
			WithTimeout(90 * time.Second).Should(ContainSubstring("kube-apiserver restarted 1 time"))
		Eventually(ctx, jsonpath(ctx, name, `{.status.conditions[?(@.type=="APIServerAvailable")].status}`)).Should(Equal("True"))

		_, err = garden(ctx, "-n", namespace, "delete", "shoot", name, "--wait=false")
		Expect(err).NotTo(HaveOccurred())
		Eventually(ctx, func() (string, error) {
			return garden(ctx, "-n", namespace, "get", "shoots", "-o", "name")
		}).ShouldNot(ContainSubstring("/" + name))
	}, SpecTimeout(4*time.Minute))
})
