package testenv_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/hortus-dev/hortus/test/testenv"
)

// BenchmarkStartGardenAPI measures how long StartGardenAPI takes on a running testenv:
// the Hortus API server to /readyz, its APIServices to Available and the kube-apiserver's
// discovery to list them. It also reports the Hortus API server's RSS once ready.
func BenchmarkStartGardenAPI(b *testing.B) {
	for b.Loop() {
		ctx := context.Background()
		env, err := testenv.Start(ctx, testenv.Options{})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := env.StartGardenAPI(ctx); err != nil {
			_ = env.Stop(ctx)
			b.Fatal(err)
		}
		took := time.Since(start)
		st, err := env.Components(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range st {
			if s.Name == "hortus-apiserver" {
				kb, err := rssKiB(s.PID)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(kb)/1024, "MiB-rss-hortus-apiserver")
			}
		}
		if err := env.Stop(ctx); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(took.Seconds(), "s-start-garden-api")
		fmt.Fprintf(os.Stderr, "garden API start: %s\n", took.Round(time.Millisecond))
	}
}
