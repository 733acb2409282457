package landscape_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/ports"
	"github.com/hortus-dev/hortus/test/e2e/framework"
)

var _ = Describe("errors a user meets on hortus up", func() {
	var stateDir string

	BeforeEach(func() {
		stateDir = filepath.Join(GinkgoT().TempDir(), "state")
		DeferCleanup(func(ctx context.Context) {
			_, _ = hortus(ctx, "down", "--purge", "--state-dir", stateDir)
		})
	})

	It("says how to get a missing kube-apiserver", func(ctx SpecContext) {
		out, err := hortus(ctx, "up", "--state-dir", stateDir, "--bin-dir", GinkgoT().TempDir())
		Expect(err).To(HaveOccurred())
		Expect(out).To(ContainSubstring("kube-apiserver not found"))
		Expect(out).To(ContainSubstring("make kube"))
	})

	It("refuses to start on a nearly full disk", func(ctx SpecContext) {
		out, err := hortus(ctx, "up", "--state-dir", stateDir, "--min-free-disk", strconv.FormatInt(1<<60, 10))
		Expect(err).To(HaveOccurred())
		Expect(out).To(MatchRegexp(`only .* free on the file system`))
		Expect(out).To(ContainSubstring("--state-dir"))
	})

	It("names a corrupt state file and how to start over", func(ctx SpecContext) {
		Expect(os.MkdirAll(stateDir, 0o700)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(stateDir, "landscape.json"), []byte("\x00garbage"), 0o600)).To(Succeed())
		out, err := hortus(ctx, "up", "--state-dir", stateDir)
		Expect(err).To(HaveOccurred())
		Expect(out).To(ContainSubstring("landscape.json is corrupt"))
		Expect(out).To(ContainSubstring("hortus down --purge"))
	})

	It("names the step that did not become ready in time, and leaves nothing running", func(ctx SpecContext) {
		out, err := hortus(ctx, "up", "--state-dir", stateDir, "--timeout", "2s")
		Expect(err).To(HaveOccurred())
		Expect(out).To(ContainSubstring("did not become ready within 2s (--timeout)"))
		Expect(out).To(MatchRegexp(`✗ garden: \S+`), "the step that was running is named")
		Eventually(ctx, func() map[string]int {
			alive := map[string]int{}
			for comp, pid := range recordedPIDs(stateDir) {
				if framework.Alive(pid) {
					alive[comp] = pid
				}
			}
			return alive
		}).WithTimeout(30 * time.Second).Should(BeEmpty())
	}, SpecTimeout(2*time.Minute))

	It("names a busy port and its component, and leaves nothing running", func(ctx SpecContext) {
		// Reserve the garden's ports as hortus up would, then hold the kube-apiserver's.
		alloc := ports.New(filepath.Join(stateDir, "ports.json"))
		Expect(os.MkdirAll(stateDir, 0o700)).To(Succeed())
		p, err := alloc.Allocate("garden", "etcd-client", "etcd-peer", "etcd-metrics", "kube-apiserver")
		Expect(err).NotTo(HaveOccurred())
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p["kube-apiserver"])))
		Expect(err).NotTo(HaveOccurred())
		defer func() { _ = l.Close() }()

		out, err := hortus(ctx, "up", "--state-dir", stateDir, "--timeout", "2m")
		Expect(err).To(HaveOccurred())
		Expect(out).To(MatchRegexp(`port %d .* is busy`, p["kube-apiserver"]))
		Expect(out).To(ContainSubstring("✗ garden: kube-apiserver"))
		Expect(out).To(ContainSubstring("What to do:"))
		Eventually(ctx, func() map[string]int {
			alive := map[string]int{}
			for comp, pid := range recordedPIDs(stateDir) {
				if framework.Alive(pid) {
					alive[comp] = pid
				}
			}
			return alive
		}).WithTimeout(30*time.Second).Should(BeEmpty(), "the etcd it started was stopped again")
	}, SpecTimeout(3*time.Minute))
})
