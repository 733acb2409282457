package shoot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/ports"
	"github.com/hortus-dev/hortus/test/e2e/framework"
)

const (
	namespace = "garden-local"
	// technicalID of the workerless example shoot "local-wl" in project "local".
	workerless   = "local-wl"
	workerlessID = "shoot--local--local-wl"
)

// shootDir is where the seed's gardenlet keeps the shoot's processes.
func shootDir(id string) string { return filepath.Join(stateDir, "seeds", "local", id) }

// shootPIDs returns the recorded pid of each control-plane process of the shoot, by
// component.
func shootPIDs(id string) map[string]int {
	pids, err := framework.PIDs(shootDir(id))
	Expect(err).NotTo(HaveOccurred())
	out := map[string]int{}
	for comp, pid := range pids {
		out[path.Base(comp)] = pid
	}
	return out
}

func shootPorts(id string) []int {
	rs, err := ports.New(filepath.Join(stateDir, "ports.json")).List()
	Expect(err).NotTo(HaveOccurred())
	var out []int
	for _, r := range rs {
		if r.Owner == id {
			out = append(out, r.Port)
		}
	}
	return out
}

// KubeAPIServerProcess is the kube-apiserver's key in shootPIDs.
const KubeAPIServerProcess = "kube-apiserver"

// entryDirs returns the directories of the shoot's BackupEntries in the landscape's local
// backup buckets.
func entryDirs(id string) []string {
	dirs, err := filepath.Glob(filepath.Join(stateDir, "backupbuckets", "*", id+"--*"))
	Expect(err).NotTo(HaveOccurred())
	return dirs
}

// snapshots returns the names of the shoot's etcd snapshots in its BackupEntry.
func snapshots(id string) []string {
	var out []string
	for _, dir := range entryDirs(id) {
		files, err := filepath.Glob(filepath.Join(dir, "full-*"))
		Expect(err).NotTo(HaveOccurred())
		for _, f := range files {
			out = append(out, filepath.Base(f))
		}
	}
	return out
}

func jsonpath(ctx context.Context, name, path string) func() (string, error) {
	return func() (string, error) {
		return garden(ctx, "-n", namespace, "get", "shoot", name, "-o", "jsonpath="+path)
	}
}

func waitSucceeded(ctx context.Context, name string) {
	out, err := garden(ctx, "-n", namespace, "wait", "shoot/"+name, "--for=jsonpath={.status.lastOperation.state}=Succeeded", "--timeout=3m")
	Expect(err).NotTo(HaveOccurred(), out)
}

var _ = Describe("a workerless shoot", Ordered, func() {
	var shootKubeconfig string

	BeforeAll(func() {
		// Outlives the spec that writes it: the later specs use the kubeconfig.
		dir, err := os.MkdirTemp("", "hortus-e2e-kubeconfig-")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(os.RemoveAll, dir)
		shootKubeconfig = filepath.Join(dir, "shoot.kubeconfig")
	})

	It("is created from Gardener's example, showing progress until Succeeded", func(ctx SpecContext) {
		_, err := garden(ctx, "apply", "-f", filepath.Join(compatDir, "provider-local", "shoot-workerless.yaml"))
		Expect(err).NotTo(HaveOccurred())

		// kubectl get shoots shows the operation while it runs.
		seen := map[string]bool{}
		Eventually(ctx, func() (string, error) {
			out, err := garden(ctx, "-n", namespace, "get", "shoot", workerless, "--no-headers")
			seen[out] = true
			return out, err
		}).WithPolling(50 * time.Millisecond).Should(ContainSubstring("Succeeded"))
		progress := false
		for out := range seen {
			if strings.Contains(out, "Processing") {
				progress = true
			}
		}
		Expect(progress).To(BeTrue(), "kubectl get shoots showed Processing at some point: %v", seen)
		waitSucceeded(ctx, workerless)

		Expect(jsonpath(ctx, workerless, "{.status.technicalID}")()).To(Equal(workerlessID))
		Expect(jsonpath(ctx, workerless, "{.status.observedGeneration}")()).To(Equal(strings.TrimSpace(must(jsonpath(ctx, workerless, "{.metadata.generation}")()))))
		Expect(jsonpath(ctx, workerless, "{.status.advertisedAddresses[0].url}")()).To(HavePrefix("https://127.0.0.1:"))
		for _, cond := range []string{"APIServerAvailable", "ControlPlaneHealthy"} {
			Eventually(ctx, jsonpath(ctx, workerless, fmt.Sprintf(`{.status.conditions[?(@.type=="%s")].status}`, cond))).Should(Equal("True"), cond)
		}
		Expect(shootPIDs(workerlessID)).To(HaveLen(5), "etcd, its backup sidecar, kube-apiserver, kube-controller-manager and kube-scheduler")
		// The seed has a backup: the shoot has a BackupEntry, and the sidecar took a first
		// snapshot when it started.
		Expect(garden(ctx, "-n", namespace, "get", "backupentries", "-o", "name")).To(ContainSubstring("backupentry.core.gardener.cloud/" + workerlessID + "--"))
		Eventually(func() []string { return snapshots(workerlessID) }).ShouldNot(BeEmpty())
	}, SpecTimeout(4*time.Minute))

	It("gives a working admin kubeconfig through hortus kubeconfig and kubectl create --raw", func(ctx SpecContext) {
		_, err := hortus(ctx, "kubeconfig", "-n", namespace, workerless, "-o", shootKubeconfig)
		Expect(err).NotTo(HaveOccurred())

		raw, err := garden(ctx, "create", "--raw", fmt.Sprintf("/apis/core.gardener.cloud/v1beta1/namespaces/%s/shoots/%s/adminkubeconfig", namespace, workerless),
			"-f", writeTemp(`{"apiVersion":"authentication.gardener.cloud/v1alpha1","kind":"AdminKubeconfigRequest","spec":{"expirationSeconds":600}}`))
		Expect(err).NotTo(HaveOccurred())
		var req struct {
			Status struct {
				Kubeconfig []byte `json:"kubeconfig"`
			} `json:"status"`
		}
		Expect(json.Unmarshal([]byte(raw), &req)).To(Succeed())
		rawKubeconfig := writeTemp(string(req.Status.Kubeconfig))

		for _, kc := range []string{shootKubeconfig, rawKubeconfig} {
			Expect(kubectl(ctx, kc, "get", "ns", "-o", "name")).To(ContainSubstring("namespace/kube-system"))
		}
		version, err := kubectl(ctx, shootKubeconfig, "get", "--raw", "/version")
		Expect(err).NotTo(HaveOccurred())
		wantVersion := must(jsonpath(ctx, workerless, "{.spec.kubernetes.version}")())
		Expect(version).To(ContainSubstring(`"gitVersion": "v` + wantVersion + `"`))

		// The kube-controller-manager works: a new ServiceAccount can get a token that the
		// kube-apiserver accepts.
		_, err = kubectl(ctx, shootKubeconfig, "create", "serviceaccount", "e2e")
		Expect(err).NotTo(HaveOccurred())
		token, err := kubectl(ctx, shootKubeconfig, "create", "token", "e2e")
		Expect(err).NotTo(HaveOccurred())
		server := must(jsonpath(ctx, workerless, "{.status.advertisedAddresses[0].url}")())
		tokenKubeconfig := writeTemp(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: shoot, cluster: {server: %q, insecure-skip-tls-verify: true}}]
users: [{name: sa, user: {token: %q}}]
contexts: [{name: sa, context: {cluster: shoot, user: sa}}]
current-context: sa
`, server, strings.TrimSpace(token)))
		Expect(kubectl(ctx, tokenKubeconfig, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")).
			To(Equal("system:serviceaccount:default:e2e"))
		Eventually(ctx, func() (string, error) {
			return kubectl(ctx, shootKubeconfig, "-n", "kube-system", "get", "configmap", "kube-root-ca.crt", "-o", "name")
		}).Should(ContainSubstring("kube-root-ca.crt"))
	}, SpecTimeout(2*time.Minute))

	It("hibernates: its processes stop and its API refuses connections", func(ctx SpecContext) {
		_, err := kubectl(ctx, shootKubeconfig, "create", "configmap", "before-hibernation", "--from-literal=kept=yes")
		Expect(err).NotTo(HaveOccurred())
		pids := shootPIDs(workerlessID)
		_, err = garden(ctx, "-n", namespace, "patch", "shoot", workerless, "--type=merge", "-p", `{"spec":{"hibernation":{"enabled":true}}}`)
		Expect(err).NotTo(HaveOccurred())
		Eventually(ctx, jsonpath(ctx, workerless, "{.status.hibernated}")).Should(Equal("true"))
		waitSucceeded(ctx, workerless)
		for comp, pid := range pids {
			Expect(framework.Alive(pid)).To(BeFalse(), "%s (pid %d) stopped", comp, pid)
		}
		_, err = kubectl(ctx, shootKubeconfig, "get", "ns", "--request-timeout=3s")
		Expect(err).To(MatchError(ContainSubstring("was refused")))
		// etcd was snapshotted after the kube-apiserver stopped, before etcd stopped.
		last := must(jsonpath(ctx, workerless, `{.metadata.annotations.etcd\.hortus\.dev/last-snapshot}`)())
		Expect(last).NotTo(BeEmpty(), "the gardenlet recorded the snapshot taken before hibernation")
		Expect(snapshots(workerlessID)).To(ContainElement(last))
	}, SpecTimeout(3*time.Minute))

	It("wakes up with the data it had", func(ctx SpecContext) {
		_, err := garden(ctx, "-n", namespace, "patch", "shoot", workerless, "--type=merge", "-p", `{"spec":{"hibernation":{"enabled":false}}}`)
		Expect(err).NotTo(HaveOccurred())
		Eventually(ctx, jsonpath(ctx, workerless, "{.status.hibernated}")).Should(Equal("false"))
		waitSucceeded(ctx, workerless)
		Expect(kubectl(ctx, shootKubeconfig, "get", "configmap", "before-hibernation", "-o", "jsonpath={.data.kept}")).To(Equal("yes"))
	}, SpecTimeout(3*time.Minute))

	It("restores its etcd from a snapshot: an object deleted after the snapshot is back", func(ctx SpecContext) {
		_, err := kubectl(ctx, shootKubeconfig, "create", "configmap", "backed-up", "--from-literal=kept=yes")
		Expect(err).NotTo(HaveOccurred())
		out, err := hortus(ctx, "backup", "snapshot", workerless, "-n", namespace)
		Expect(err).NotTo(HaveOccurred(), out)
		taken := must(jsonpath(ctx, workerless, `{.metadata.annotations.etcd\.hortus\.dev/last-snapshot}`)())
		Expect(out).To(ContainSubstring(taken))
		Expect(snapshots(workerlessID)).To(ContainElement(taken))

		_, err = kubectl(ctx, shootKubeconfig, "delete", "configmap", "backed-up")
		Expect(err).NotTo(HaveOccurred())
		_, err = kubectl(ctx, shootKubeconfig, "create", "configmap", "after-snapshot")
		Expect(err).NotTo(HaveOccurred())

		// A snapshot that does not exist is refused, and nothing stops.
		pids := shootPIDs(workerlessID)
		out, err = hortus(ctx, "backup", "restore", workerless, "-n", namespace, "--snapshot", "full-19700101T000000.000000000Z.db")
		Expect(err).To(HaveOccurred(), out)
		Expect(out).To(ContainSubstring(taken), "the refusal lists the snapshots there are")
		Expect(shootPIDs(workerlessID)).To(Equal(pids))

		out, err = hortus(ctx, "backup", "restore", workerless, "-n", namespace, "--snapshot", taken)
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("Restored the etcd of shoot"))
		Expect(jsonpath(ctx, workerless, `{.metadata.annotations.etcd\.hortus\.dev/last-restore}`)()).To(Equal(taken))
		Expect(shootPIDs(workerlessID)[KubeAPIServerProcess]).NotTo(Equal(pids[KubeAPIServerProcess]), "the kube-apiserver was restarted on the restored data")

		Expect(kubectl(ctx, shootKubeconfig, "get", "configmap", "backed-up", "-o", "jsonpath={.data.kept}")).To(Equal("yes"))
		_, err = kubectl(ctx, shootKubeconfig, "get", "configmap", "after-snapshot")
		Expect(err).To(MatchError(ContainSubstring("NotFound")), "what was written after the snapshot is gone")
		// The restored cluster takes writes, and its controllers work.
		_, err = kubectl(ctx, shootKubeconfig, "create", "serviceaccount", "after-restore")
		Expect(err).NotTo(HaveOccurred())
		Eventually(ctx, func() error {
			_, err := kubectl(ctx, shootKubeconfig, "create", "token", "after-restore")
			return err
		}).Should(Succeed())
	}, SpecTimeout(4*time.Minute))

	It("is deleted with confirmation, leaving nothing behind", func(ctx SpecContext) {
		pids := shootPIDs(workerlessID)
		ps := shootPorts(workerlessID)
		Expect(ps).NotTo(BeEmpty())
		_, err := garden(ctx, "-n", namespace, "annotate", "shoot", workerless, "confirmation.gardener.cloud/deletion=true")
		Expect(err).NotTo(HaveOccurred())
		_, err = garden(ctx, "-n", namespace, "delete", "shoot", workerless, "--wait=false")
		Expect(err).NotTo(HaveOccurred())
		Eventually(ctx, func() (string, error) {
			return garden(ctx, "-n", namespace, "get", "shoots", "-o", "name")
		}).ShouldNot(ContainSubstring("/" + workerless))

		for comp, pid := range pids {
			Expect(framework.Alive(pid)).To(BeFalse(), "%s (pid %d) is gone", comp, pid)
		}
		for _, p := range ps {
			Expect(framework.Listening(p)).To(BeFalse(), "nothing listens on port %d", p)
		}
		Expect(shootPorts(workerlessID)).To(BeEmpty(), "its ports are released")
		Expect(shootDir(workerlessID)).NotTo(BeADirectory())
		Expect(garden(ctx, "-n", namespace, "get", "backupentries", "-o", "name")).NotTo(ContainSubstring(workerlessID), "its BackupEntry is gone")
		Expect(entryDirs(workerlessID)).To(BeEmpty(), "its snapshots are gone with the BackupEntry")
		Expect(garden(ctx, "get", "namespace", workerlessID, "--ignore-not-found", "-o", "name")).To(BeEmpty(), "the seed namespace is gone")
		Expect(garden(ctx, "-n", namespace, "get", "configmap", workerless+".ca-cluster", "--ignore-not-found", "-o", "name")).To(BeEmpty())
		Expect(garden(ctx, "-n", namespace, "get", "internalsecrets", workerless+".ca-client", "--ignore-not-found", "-o", "name")).To(BeEmpty())
	}, SpecTimeout(3*time.Minute))
})

var _ = Describe("a shoot whose kube-apiserver cannot start", Ordered, func() {
	const name = "broken"

	It("ends in Error naming the task and quoting the component's log", func(ctx SpecContext) {
		manifest := fmt.Sprintf(`apiVersion: core.gardener.cloud/v1beta1
kind: Shoot
metadata:
  name: %s
  namespace: %s
spec:
  cloudProfile:
    name: local
  region: local
  provider:
    type: local
  kubernetes:
    kubeAPIServer:
      runtimeConfig:
        bogus.example.com/v1: true
`, name, namespace)
		_, err := garden(ctx, "apply", "-f", writeTemp(manifest))
		Expect(err).NotTo(HaveOccurred())
		Eventually(ctx, jsonpath(ctx, name, "{.status.lastOperation.state}")).Should(Equal("Error"))
		Expect(jsonpath(ctx, name, "{.status.lastErrors[0].taskID}")()).To(Equal("Deploying the kube-apiserver"))
		Expect(jsonpath(ctx, name, "{.status.lastErrors[0].description}")()).To(And(
			ContainSubstring("kube-apiserver"),
			ContainSubstring("bogus.example.com"),
		), "the description quotes the kube-apiserver's log")
	}, SpecTimeout(4*time.Minute))

	It("is deleted all the same", func(ctx SpecContext) {
		_, err := garden(ctx, "-n", namespace, "annotate", "shoot", name, "confirmation.gardener.cloud/deletion=true")
		Expect(err).NotTo(HaveOccurred())
		_, err = garden(ctx, "-n", namespace, "delete", "shoot", name, "--wait=false")
		Expect(err).NotTo(HaveOccurred())
		Eventually(ctx, func() (string, error) {
			return garden(ctx, "-n", namespace, "get", "shoots", "-o", "name")
		}).ShouldNot(ContainSubstring("/" + name))
		Expect(shootDir("shoot--local--" + name)).NotTo(BeADirectory())
	}, SpecTimeout(3*time.Minute))
})

func must(s string, err error) string {
	Expect(err).NotTo(HaveOccurred())
	return s
}

// writeTemp writes content to a new temporary file and returns its path.
func writeTemp(content string) string {
	f, err := os.CreateTemp(GinkgoT().TempDir(), "e2e-*")
	Expect(err).NotTo(HaveOccurred())
	_, err = f.WriteString(content)
	Expect(err).NotTo(HaveOccurred())
	Expect(f.Close()).To(Succeed())
	return f.Name()
}
