package apiserver_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"encoding/json"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/hortus-dev/hortus/pkg/component/hortusapiserver"
	"github.com/hortus-dev/hortus/test/testenv"
)

// Sizes of BenchmarkShoots5000.
const (
	benchShoots     = 5000
	benchNamespaces = 5
	benchSeeds      = 10
	benchWorkers    = 16
	benchListRuns   = 5
)

// BenchmarkShoots5000 measures the garden API under a landscape-sized load, on a testenv of
// its own: 5,000 workerless Shoots created by 16 concurrent clients over 5 namespaces
// (creates/s), each bound to one of 10 seeds through /binding (binds/s), then the median
// latency of 5 lists of all Shoots and of 5 lists of one seed's 500 Shoots by
// fieldSelector=spec.seedName (what a gardenlet lists), and the Hortus API server's RSS.
// Lists read JSON through the kube-apiserver, as clients do, and include the transfer.
func BenchmarkShoots5000(b *testing.B) {
	for b.Loop() {
		ctx := context.Background()
		benchEnv, err := testenv.Start(ctx, testenv.Options{WithGardenAPI: true})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() {
			if err := benchEnv.Stop(context.Background()); err != nil {
				b.Error(err)
			}
		})
		cfg := rest.CopyConfig(benchEnv.Config)
		cfg.QPS, cfg.Burst = 1e6, 1e6
		cfg.WarningHandler = rest.NoWarnings{}
		bc, err := client.New(cfg, client.Options{Scheme: scheme})
		if err != nil {
			b.Fatal(err)
		}
		seeds := createBenchFixtures(ctx, b, bc)

		shoots := make([]*gardencorev1beta1.Shoot, benchShoots)
		for i := range shoots {
			shoots[i] = newShoot(fmt.Sprintf("garden-bench-%d", i%benchNamespaces), fmt.Sprintf("s-%04d", i))
		}
		took := inParallel(b, len(shoots), func(i int) error { return bc.Create(ctx, shoots[i]) })
		b.ReportMetric(float64(benchShoots)/took.Seconds(), "creates/s")
		bindTook := inParallel(b, len(shoots), func(i int) error {
			shoots[i].Spec.SeedName = ptr.To(seeds[i%benchSeeds])
			return bc.SubResource("binding").Update(ctx, shoots[i])
		})
		b.ReportMetric(float64(benchShoots)/bindTook.Seconds(), "binds/s")

		rc, err := rest.UnversionedRESTClientFor(withJSON(cfg))
		if err != nil {
			b.Fatal(err)
		}
		all := medianListLatency(ctx, b, rc, "", benchShoots)
		b.ReportMetric(float64(all.Microseconds())/1000, "ms-list-all-median")
		one := medianListLatency(ctx, b, rc, "spec.seedName="+seeds[3], benchShoots/benchSeeds)
		b.ReportMetric(float64(one.Microseconds())/1000, "ms-list-seed-median")

		rss := hortusAPIServerRSS(ctx, b, benchEnv)
		b.ReportMetric(rss, "MiB-rss-hortus-apiserver")
		fmt.Fprintf(os.Stderr, "%d shoots: create %s (%.0f/s), bind %s (%.0f/s), list all %s, list one seed %s, hortus-apiserver RSS %.0f MiB\n",
			benchShoots, took.Round(time.Millisecond), float64(benchShoots)/took.Seconds(),
			bindTook.Round(time.Millisecond), float64(benchShoots)/bindTook.Seconds(),
			all.Round(time.Millisecond), one.Round(time.Millisecond), rss)
	}
}

// createBenchFixtures creates what the admission plugins need for workerless local Shoots
// (provider-local's CloudProfile and ControllerRegistrations), the namespaces and the
// seeds, and returns the seeds' names.
func createBenchFixtures(ctx context.Context, b *testing.B, c client.Client) []string {
	b.Helper()
	data, err := os.ReadFile(compatDir + "/provider-local/cloudprofile.yaml")
	if err != nil {
		b.Fatal(err)
	}
	profile := &gardencorev1beta1.CloudProfile{}
	if err := yaml.Unmarshal(data, profile); err != nil {
		b.Fatal(err)
	}
	objects := []client.Object{
		profile,
		&gardencorev1beta1.ControllerRegistration{
			ObjectMeta: metav1.ObjectMeta{Name: "provider-local"},
			Spec: gardencorev1beta1.ControllerRegistrationSpec{Resources: []gardencorev1beta1.ControllerResource{
				{Kind: "ControlPlane", Type: "local"}, {Kind: "Infrastructure", Type: "local"},
				{Kind: "Worker", Type: "local"}, {Kind: "OperatingSystemConfig", Type: "local"},
			}},
		},
	}
	for i := range benchNamespaces {
		objects = append(objects, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("garden-bench-%d", i)}})
	}
	var seeds []string
	for i := range benchSeeds {
		seed := newSeed("")
		seed.GenerateName, seed.Name = "", fmt.Sprintf("bench-seed-%d", i)
		objects = append(objects, seed)
		seeds = append(seeds, seed.Name)
	}
	for _, obj := range objects {
		if err := c.Create(ctx, obj); err != nil {
			b.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
		}
	}
	return seeds
}

// inParallel runs do for 0…n-1 on benchWorkers goroutines and returns how long that took.
// The first error fails the benchmark.
func inParallel(b *testing.B, n int, do func(i int) error) time.Duration {
	b.Helper()
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	start := time.Now()
	for range benchWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := do(i); err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("item %d: %w", i, err) })
					next.Store(int64(n))
					return
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	return took
}

// withJSON returns a copy of cfg for an unversioned REST client that reads JSON.
func withJSON(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.ContentType = "application/json"
	cfg.AcceptContentTypes = "application/json"
	cfg.GroupVersion = &gardencorev1beta1.SchemeGroupVersion
	cfg.NegotiatedSerializer = clientgoscheme.Codecs.WithoutConversion()
	return cfg
}

// medianListLatency lists all Shoots (with fieldSelector, if set) benchListRuns times and
// returns the median latency; the lists must hold want items.
func medianListLatency(ctx context.Context, b *testing.B, rc *rest.RESTClient, fieldSelector string, want int) time.Duration {
	b.Helper()
	var durations []time.Duration
	for range benchListRuns {
		req := rc.Get().AbsPath("/apis/core.gardener.cloud/v1beta1/shoots")
		if fieldSelector != "" {
			req = req.Param("fieldSelector", fieldSelector)
		}
		start := time.Now()
		body, err := req.DoRaw(ctx)
		durations = append(durations, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		var list struct {
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			b.Fatal(err)
		}
		if len(list.Items) != want {
			b.Fatalf("list %q returned %d shoots, want %d", fieldSelector, len(list.Items), want)
		}
	}
	slices.Sort(durations)
	return durations[len(durations)/2]
}

// hortusAPIServerRSS returns the resident set size of the Hortus API server in MiB.
func hortusAPIServerRSS(ctx context.Context, b *testing.B, e *testenv.Environment) float64 {
	b.Helper()
	st, err := e.Components(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range st {
		if s.Name != hortusapiserver.DefaultName {
			continue
		}
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.PID))
		if err != nil {
			b.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if value, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				var kb float64
				if _, err := fmt.Sscanf(strings.TrimSpace(value), "%f kB", &kb); err != nil {
					b.Fatal(err)
				}
				return kb / 1024
			}
		}
	}
	b.Fatal("no RSS of the Hortus API server")
	return 0
}
