// Package kube_test checks the real Kubernetes binaries that hack/kube builds.
package kube_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/test/testenv"
)

var components = []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"}

// TestBinariesCarryTheirVersion checks that every binary reports the pinned version, which
// the build stamps with the same link flags Kubernetes' own build uses.
func TestBinariesCarryTheirVersion(t *testing.T) {
	root, err := testenv.RepoRoot()
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	for _, c := range components {
		t.Run(c, func(t *testing.T) {
			g := NewWithT(t)
			args := []string{"--version"}
			if c == "kubectl" {
				args = []string{"version", "--client"}
			}
			out, err := exec.Command(filepath.Join(root, "bin", c), args...).CombinedOutput()
			g.Expect(err).NotTo(HaveOccurred(), string(out))
			g.Expect(string(out)).To(ContainSubstring("v1.36.3"))
		})
	}
}

// TestSecondBuildDoesNotRebuild runs the build again on built binaries: it must report
// them up to date and leave the files untouched.
func TestSecondBuildDoesNotRebuild(t *testing.T) {
	g := NewWithT(t)
	root, err := testenv.RepoRoot()
	g.Expect(err).NotTo(HaveOccurred())
	before := map[string]int64{}
	for _, c := range components {
		fi, err := os.Stat(filepath.Join(root, "bin", "kube", "v1.36.3", c))
		g.Expect(err).NotTo(HaveOccurred(), "run 'make kube' first")
		before[c] = fi.ModTime().UnixNano()
	}
	cmd := exec.Command(filepath.Join(root, "hack", "kube", "build.sh"))
	cmd.Env = append(os.Environ(), "KUBE_VERSIONS=")
	out, err := cmd.CombinedOutput()
	g.Expect(err).NotTo(HaveOccurred(), string(out))
	g.Expect(string(out)).To(ContainSubstring("v1.36.3: up to date"))
	g.Expect(strings.Contains(string(out), "building")).To(BeFalse(), string(out))
	for _, c := range components {
		fi, err := os.Stat(filepath.Join(root, "bin", "kube", "v1.36.3", c))
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(fi.ModTime().UnixNano()).To(Equal(before[c]), c+" was rebuilt")
	}
}
