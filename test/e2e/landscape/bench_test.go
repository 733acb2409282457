package landscape_test

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hortus-dev/hortus/test/e2e/framework"
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
	cli := framework.CLI{BinDir: framework.BinDir(root)}
	ctx := context.Background()
	var up, resume time.Duration
	var rss int64
	for i := 0; b.Loop(); i++ {
		dir := filepath.Join(b.TempDir(), fmt.Sprintf("state-%d", i))
		start := time.Now()
		cli.MustHortus(ctx, b, "up", "--state-dir", dir)
		up += time.Since(start)
		rss += landscapeRSS(b, dir)
		cli.MustHortus(ctx, b, "down", "--state-dir", dir)
		start = time.Now()
		cli.MustHortus(ctx, b, "up", "--state-dir", dir)
		resume += time.Since(start)
		cli.MustHortus(ctx, b, "down", "--purge", "--state-dir", dir)
	}
	n := float64(b.N)
	b.ReportMetric(up.Seconds()/n, "s-to-ready")
	b.ReportMetric(resume.Seconds()/n, "s-to-ready-resumed")
	b.ReportMetric(float64(rss)/n/(1<<20), "MiB-rss")
}

// landscapeRSS sums the resident memory of every process of the landscape.
func landscapeRSS(b *testing.B, dir string) int64 {
	b.Helper()
	pids, err := framework.PIDs(filepath.Join(dir, "components"))
	if err != nil || len(pids) == 0 {
		b.Fatalf("no components in %s: %v", dir, err)
	}
	rss, err := framework.RSS(slices.Collect(maps.Values(pids))...)
	if err != nil {
		b.Fatal(err)
	}
	return rss
}
