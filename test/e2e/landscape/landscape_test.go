package landscape_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/landscape"
	"github.com/hortus-dev/hortus/pkg/ports"
	"github.com/hortus-dev/hortus/test/e2e/framework"
)

// pidOf returns the recorded pid of a component of the landscape.
func pidOf(stateDir, set, comp string) int {
	pid, err := framework.PID(filepath.Join(stateDir, "components"), set, comp)
	Expect(err).NotTo(HaveOccurred())
	return pid
}

// recordedPIDs returns every pid recorded in the landscape's executor state, by
// "<set>/<component>".
func recordedPIDs(stateDir string) map[string]int {
	pids, err := framework.PIDs(filepath.Join(stateDir, "components"))
	Expect(err).NotTo(HaveOccurred())
	return pids
}

// allocatedPorts returns every port the landscape reserved.
func allocatedPorts(stateDir string) []int {
	rs, err := ports.New(filepath.Join(stateDir, "ports.json")).List()
	Expect(err).NotTo(HaveOccurred())
	var out []int
	for _, r := range rs {
		out = append(out, r.Port)
	}
	Expect(out).NotTo(BeEmpty())
	return out
}

// seedsTable returns `kubectl get seeds` as name → Status column.
func seedsTable(ctx context.Context, stateDir string) (map[string]string, error) {
	out, err := kubectl(ctx, stateDir, "get", "seeds", "--no-headers")
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 {
			m[f[0]] = f[1]
		}
	}
	return m, nil
}

var _ = Describe("hortus up, status and down", Ordered, func() {
	var stateDir string

	BeforeAll(func() {
		stateDir = filepath.Join(GinkgoT().TempDir(), "state")
		DeferCleanup(func(ctx context.Context) {
			// Whatever happened, leave nothing running.
			_, _ = hortus(ctx, "down", "--purge", "--state-dir", stateDir)
		})
	})

	It("starts the garden and seed local, and the garden shows them Ready", func(ctx SpecContext) {
		out, err := hortus(ctx, "up", "--state-dir", stateDir)
		Expect(err).NotTo(HaveOccurred())
		for _, step := range []string{"garden: etcd", "garden: kube-apiserver", "garden: kube-controller-manager", "garden: hortus-apiserver", "garden: controller-manager", "garden: scheduler", "seed local: gardenlet", "seed local: Ready"} {
			Expect(out).To(ContainSubstring("✓ "+step), "the progress shows each step")
		}
		Expect(out).To(ContainSubstring("garden.kubeconfig"))
		Expect(out).To(ContainSubstring("hortus down"))

		Expect(seedsTable(ctx, stateDir)).To(HaveKeyWithValue("local", "Ready"))
		Expect(kubectl(ctx, stateDir, "get", "projects", "-o", "name")).To(ContainSubstring("project.core.gardener.cloud/local"))
		Expect(kubectl(ctx, stateDir, "get", "cloudprofiles", "-o", "jsonpath={.items[*].metadata.name}: {.items[*].spec.kubernetes.versions[*].version}")).
			To(MatchRegexp(`^local: 1\.\d+\.\d+`))
		Expect(kubectl(ctx, stateDir, "-n", "garden-local", "get", "credentialsbindings", "-o", "name")).To(ContainSubstring("local"))
	}, SpecTimeout(5*time.Minute))

	It("schedules the example shoot to seed local, whose gardenlet picks it up", func(ctx SpecContext) {
		_, err := kubectl(ctx, stateDir, "apply", "-f", "landscape/local/shoot.yaml")
		Expect(err).NotTo(HaveOccurred())
		Eventually(ctx, func() (string, error) {
			return kubectl(ctx, stateDir, "-n", "garden-local", "get", "shoot", "local", "-o", "jsonpath={.spec.seedName}")
		}).Should(Equal("local"))
		Eventually(ctx, func() (string, error) {
			return kubectl(ctx, stateDir, "-n", "garden-local", "get", "events", "--field-selector", "involvedObject.kind=Shoot,involvedObject.name=local",
				"-o", "jsonpath={range .items[*]}{.reportingComponent}/{.reason}{\"\\n\"}{end}")
		}).Should(ContainSubstring("gardenlet-shoot/Reconciling"), "the seed's gardenlet picked it up")
		Eventually(ctx, func() (string, error) {
			return kubectl(ctx, stateDir, "-n", "garden-local", "get", "shoot", "local", "-o", "jsonpath={.status.technicalID}")
		}).Should(Equal("shoot--local--local"))
	}, SpecTimeout(3*time.Minute))

	It("says so when asked to start a running landscape, and starts nothing", func(ctx SpecContext) {
		before := recordedPIDs(stateDir)
		out, err := hortus(ctx, "up", "--state-dir", stateDir)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring("already running"))
		Expect(recordedPIDs(stateDir)).To(Equal(before))

		out, err = hortus(ctx, "status", "--state-dir", stateDir)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring("Ready (supervisor pid"))
		for comp, pid := range before {
			set, name, _ := strings.Cut(comp, "/")
			Expect(out).To(MatchRegexp(`%s\s+%s\s+Ready\s+%d\s`, set, name, pid))
		}
		Expect(out).To(MatchRegexp(`local\s+Ready\s+1\s`), "the seed with its one shoot")
	}, SpecTimeout(time.Minute))

	It("heals a gardenlet killed with SIGKILL", func(ctx SpecContext) {
		set := landscape.SeedSet("local")
		old := pidOf(stateDir, set, landscape.Gardenlet)
		Expect(syscall.Kill(old, syscall.SIGKILL)).To(Succeed())
		Eventually(ctx, func() int { return pidOf(stateDir, set, landscape.Gardenlet) }).ShouldNot(Equal(old))
		Eventually(ctx, func() (string, error) {
			return hortus(ctx, "status", "--state-dir", stateDir)
		}).Should(MatchRegexp(`seed-local\s+gardenlet\s+Ready\s+\d+\s.*\s1\n`), "Ready again, with one restart")
	}, SpecTimeout(2*time.Minute))

	It("stops everything on down, keeping the data", func(ctx SpecContext) {
		pids := recordedPIDs(stateDir)
		Expect(pids).To(HaveLen(7), "garden (6) and the gardenlet")
		out, err := hortus(ctx, "down", "--state-dir", stateDir)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring("Its data is kept"))
		for comp, pid := range pids {
			Expect(framework.Alive(pid)).To(BeFalse(), "%s (pid %d) is gone", comp, pid)
		}
		for _, p := range allocatedPorts(stateDir) {
			Expect(framework.Listening(p)).To(BeFalse(), "nothing listens on port %d", p)
		}
		Expect(filepath.Join(stateDir, "garden.kubeconfig")).To(BeAnExistingFile())
	}, SpecTimeout(3*time.Minute))

	It("resumes with the same project and shoot, and adds a second seed that a shoot can select", func(ctx SpecContext) {
		out, err := hortus(ctx, "up", "--state-dir", stateDir, "--seeds", "2")
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring("✓ seed local-2: kube-apiserver"))
		Expect(seedsTable(ctx, stateDir)).To(And(HaveKeyWithValue("local", "Ready"), HaveKeyWithValue("local-2", "Ready")))
		Expect(kubectl(ctx, stateDir, "get", "project", "local", "-o", "name")).To(ContainSubstring("local"))
		Expect(kubectl(ctx, stateDir, "-n", "garden-local", "get", "shoot", "local", "-o", "jsonpath={.spec.seedName}")).To(Equal("local"))
		Expect(filepath.Join(stateDir, "seed-local-2.kubeconfig")).To(BeAnExistingFile())

		By("bringing the shoot's control plane back")
		Eventually(ctx, func() (int, error) {
			pids, err := framework.PIDs(filepath.Join(stateDir, "seeds", "local", "shoot--local--local"))
			alive := 0
			for _, pid := range pids {
				if framework.Alive(pid) {
					alive++
				}
			}
			return alive, err
		}).Should(Equal(5), "etcd, its backup sidecar, kube-apiserver, kube-controller-manager and kube-scheduler run again")
		Eventually(ctx, func() (string, error) {
			return kubectl(ctx, stateDir, "-n", "garden-local", "get", "shoot", "local", "-o", `jsonpath={.status.conditions[?(@.type=="APIServerAvailable")].status}`)
		}).Should(Equal("True"))

		_, err = kubectl(ctx, stateDir, "apply", "-f", "landscape/local/shoot-seed-2.yaml")
		Expect(err).NotTo(HaveOccurred())
		Eventually(ctx, func() (string, error) {
			return kubectl(ctx, stateDir, "-n", "garden-local", "get", "shoot", "local-2", "-o", "jsonpath={.spec.seedName}")
		}).Should(Equal("local-2"))
	}, SpecTimeout(5*time.Minute))

	It("removes everything on down --purge", func(ctx SpecContext) {
		pids := recordedPIDs(stateDir)
		Expect(pids).To(HaveLen(11), "garden (6), seed local (gardenlet), seed local-2 (etcd, kube-apiserver, kube-controller-manager, gardenlet)")
		ps := allocatedPorts(stateDir)
		_, err := hortus(ctx, "down", "--purge", "--state-dir", stateDir)
		Expect(err).NotTo(HaveOccurred())
		Expect(stateDir).NotTo(BeADirectory())
		for comp, pid := range pids {
			Expect(framework.Alive(pid)).To(BeFalse(), "%s (pid %d) is gone", comp, pid)
		}
		for _, p := range ps {
			Expect(framework.Listening(p)).To(BeFalse(), "nothing listens on port %d", p)
		}
		// The machine-wide port index no longer names the landscape's port state file.
		entries, err := os.ReadDir(ports.IndexDir())
		Expect(err).NotTo(HaveOccurred())
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(ports.IndexDir(), e.Name()))
			Expect(err).NotTo(HaveOccurred())
			Expect(string(b)).NotTo(HavePrefix(stateDir+string(filepath.Separator)), "index entry %s", e.Name())
		}
	}, SpecTimeout(3*time.Minute))
})
