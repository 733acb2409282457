package testenv_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hortus-dev/hortus/test/testenv"
)

// BenchmarkStart measures the time from Start to a ready kube-apiserver (etcd +
// kube-apiserver to /readyz), as the median of 5 cold starts, and the RSS of each
// component once ready.
func BenchmarkStart(b *testing.B) {
	const runs = 5
	for b.Loop() {
		var durations []time.Duration
		rss := map[string][]float64{}
		for range runs {
			ctx := context.Background()
			start := time.Now()
			env, err := testenv.Start(ctx, testenv.Options{})
			if err != nil {
				b.Fatal(err)
			}
			durations = append(durations, time.Since(start))
			st, err := env.Components(ctx)
			if err != nil {
				b.Fatal(err)
			}
			for _, s := range st {
				kb, err := rssKiB(s.PID)
				if err != nil {
					b.Fatal(err)
				}
				rss[s.Name] = append(rss[s.Name], float64(kb)/1024)
			}
			if err := env.Stop(ctx); err != nil {
				b.Fatal(err)
			}
		}
		sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
		b.ReportMetric(durations[runs/2].Seconds(), "s-start-median")
		for name, v := range rss {
			sort.Float64s(v)
			b.ReportMetric(v[len(v)/2], "MiB-rss-"+name)
		}
		fmt.Fprintf(os.Stderr, "testenv start: median %s of %v\n", durations[runs/2].Round(time.Millisecond), durations)
	}
}

// rssKiB reads the resident set size of a process from /proc.
func rssKiB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}
