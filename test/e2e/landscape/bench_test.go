package landscape_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hortus-dev/hortus/test/testenv"
)

// BenchmarkUp measures `hortus up` on a fresh state directory until every seed is Ready,
// with the binaries already built, the landscape's total RSS once Ready, and `hortus up`
// resuming a stopped landscape.
func BenchmarkUp(b *testing.B) {
	root, err := testenv.RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	bin := os.Getenv("HORTUS_BIN_DIR")
	if bin == "" {
		bin = filepath.Join(root, "bin")
	}
	run := func(args ...string) {
		b.Helper()
		cmd := exec.CommandContext(context.Background(), filepath.Join(bin, "hortus"), args...)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("hortus %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	var up, resume time.Duration
	var rss int64
	for i := 0; b.Loop(); i++ {
		dir := filepath.Join(b.TempDir(), fmt.Sprintf("state-%d", i))
		start := time.Now()
		run("up", "--state-dir", dir)
		up += time.Since(start)
		rss += landscapeRSS(b, dir)
		run("down", "--state-dir", dir)
		start = time.Now()
		run("up", "--state-dir", dir)
		resume += time.Since(start)
		run("down", "--purge", "--state-dir", dir)
	}
	n := float64(b.N)
	b.ReportMetric(up.Seconds()/n, "s-to-ready")
	b.ReportMetric(resume.Seconds()/n, "s-to-ready-resumed")
	b.ReportMetric(float64(rss)/n/(1<<20), "MiB-rss")
}

// landscapeRSS sums the resident memory of every process of the landscape.
func landscapeRSS(b *testing.B, dir string) int64 {
	b.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "components", "*", "*", ".state.json"))
	if err != nil || len(files) == 0 {
		b.Fatalf("no components in %s: %v", dir, err)
	}
	var total int64
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		// "pid": 1234 — avoid depending on the executor's internal types.
		i := strings.Index(string(raw), `"pid":`)
		if i < 0 {
			b.Fatalf("%s has no pid", f)
		}
		rest := strings.TrimSpace(string(raw[i+len(`"pid":`):]))
		end := strings.IndexAny(rest, ",}\n")
		pid, err := strconv.Atoi(strings.TrimSpace(rest[:end]))
		if err != nil {
			b.Fatal(err)
		}
		total += vmRSS(b, pid)
	}
	return total
}

func vmRSS(b *testing.B, pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatalf("process %d: %v", pid, err)
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Fatalf("process %d reports no VmRSS", pid)
	return 0
}
