package workers_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/hortus-dev/hortus/test/e2e/framework"
	"github.com/hortus-dev/hortus/test/testenv"
)

// benchCreates is how many times BenchmarkWorkers creates the example shoot; it reports
// the median, and the first create on its own.
const benchCreates = 3

// benchNodes is the pool size that BenchmarkWorkers scales the shoot to.
const benchNodes = 10

// BenchmarkWorkers measures a shoot with a worker pool on a local landscape, with the
// binaries built: Gardener's provider-local example shoot (one pool, one simulated node)
// is created and timed until Succeeded, and deleted and timed until gone, three times
// (medians; the first create also on its own). The third one stays: it is scaled from 1 to
// 10 nodes and timed until 10 Nodes are Ready in the shoot and until the operation is
// Succeeded, the memory of the 10 simulated-node processes is measured, and then it is
// deleted with its 10 nodes.
func BenchmarkWorkers(b *testing.B) {
	root, err := testenv.RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	compat, err := testenv.CompatDir()
	if err != nil {
		b.Fatal(err)
	}
	manifest, err := os.ReadFile(filepath.Join(compat, "provider-local", "shoot.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	example := &gardencorev1beta1.Shoot{}
	if err := yaml.UnmarshalStrict(manifest, example); err != nil {
		b.Fatal(err)
	}
	if example.Namespace != namespace || example.Name != name || len(example.Spec.Provider.Workers) != 1 {
		b.Fatalf("the example shoot is not %s/%s with one pool", namespace, name)
	}

	cli := framework.CLI{BinDir: framework.BinDir(root)}
	ctx := context.Background()
	state, c := framework.Landscape(ctx, b, cli)
	machines := filepath.Join(state, "seeds", "local", technicalID, "machines")

	var creates, deletes, deletes10, scales, scaleOps []time.Duration
	var mem framework.Memory
	for b.Loop() {
		for i := range benchCreates {
			start := time.Now()
			s := example.DeepCopy()
			if err := c.Create(ctx, s); err != nil {
				b.Fatal(err)
			}
			benchWaitShoot(b, ctx, c, 5*time.Minute, framework.ShootSucceeded)
			creates = append(creates, time.Since(start))
			b.Logf("create %d: %v", i+1, creates[len(creates)-1])
			if i < benchCreates-1 {
				deletes = append(deletes, benchDelete(b, ctx, c))
				b.Logf("delete %d: %v", i+1, deletes[len(deletes)-1])
			}
		}

		shootClient := framework.AdminClient(ctx, b, c, client.ObjectKey{Namespace: namespace, Name: name}, 5*time.Second)
		if n := benchReadyNodes(ctx, shootClient); n != 1 {
			b.Fatalf("want 1 Ready node after the create, found %d", n)
		}
		start := time.Now()
		benchSetPool(b, ctx, c, benchNodes, benchNodes)
		var ready, ok time.Duration
		deadline := time.Now().Add(10 * time.Minute)
		for ready == 0 || ok == 0 {
			if ready == 0 && benchReadyNodes(ctx, shootClient) == benchNodes {
				ready = time.Since(start)
			}
			s := &gardencorev1beta1.Shoot{}
			if ok == 0 && c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, s) == nil && framework.ShootSucceeded(s) {
				ok = time.Since(start)
			}
			if time.Now().After(deadline) {
				b.Fatalf("no %d Ready nodes and Succeeded within 10 minutes: %d ready; last operation %+v",
					benchNodes, benchReadyNodes(ctx, shootClient), s.Status.LastOperation)
			}
			time.Sleep(100 * time.Millisecond)
		}
		scales = append(scales, ready)
		scaleOps = append(scaleOps, ok)
		b.Logf("scale 1→%d: %d Ready nodes after %v, Succeeded after %v", benchNodes, benchNodes, ready, ok)
		mem = benchNodeMemory(b, machines)

		deletes10 = append(deletes10, benchDelete(b, ctx, c))
		b.Logf("delete with %d nodes: %v", benchNodes, deletes10[len(deletes10)-1])
	}
	b.ReportMetric(framework.Median(creates).Seconds(), "s-create-1-worker")
	b.ReportMetric(creates[0].Seconds(), "s-create-1-worker-first")
	b.ReportMetric(framework.Median(deletes).Seconds(), "s-delete-1-worker")
	b.ReportMetric(framework.Median(deletes10).Seconds(), "s-delete-10-workers")
	b.ReportMetric(framework.Median(scales).Seconds(), "s-scale-1-to-10")
	b.ReportMetric(framework.Median(scaleOps).Seconds(), "s-scale-1-to-10-succeeded")
	// Per simulated node, averaged over the 10: RSS counts the hortus binary's pages, which
	// every node (and every other hortus process) shares; PSS and anonymous memory are what
	// one more node costs.
	b.ReportMetric(float64(mem.RSS)/benchNodes/(1<<20), "MiB-rss-per-simulated-node")
	b.ReportMetric(float64(mem.PSS)/benchNodes/(1<<20), "MiB-pss-per-simulated-node")
	b.ReportMetric(float64(mem.Anonymous)/benchNodes/(1<<20), "MiB-anon-per-simulated-node")
}

// benchWaitShoot polls the example shoot until done holds.
func benchWaitShoot(b *testing.B, ctx context.Context, c client.Client, timeout time.Duration, done func(*gardencorev1beta1.Shoot) bool) {
	b.Helper()
	deadline := time.Now().Add(timeout)
	s := &gardencorev1beta1.Shoot{}
	for {
		if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, s); err == nil && done(s) {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("shoot %s: not done within %v; last operation %+v", name, timeout, s.Status.LastOperation)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// benchDelete deletes the example shoot, confirmed, and returns the time until it is gone.
func benchDelete(b *testing.B, ctx context.Context, c client.Client) time.Duration {
	b.Helper()
	s := &gardencorev1beta1.Shoot{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, s); err != nil {
		b.Fatal(err)
	}
	patch := client.MergeFrom(s.DeepCopy())
	metav1.SetMetaDataAnnotation(&s.ObjectMeta, "confirmation.gardener.cloud/deletion", "true")
	if err := c.Patch(ctx, s, patch); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := c.Delete(ctx, s); err != nil {
		b.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		err := c.Get(ctx, client.ObjectKeyFromObject(s), s)
		if apierrors.IsNotFound(err) {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			b.Fatalf("shoot %s not deleted within 5 minutes; last operation %+v", name, s.Status.LastOperation)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// benchSetPool sets the minimum and maximum of the example shoot's pool.
func benchSetPool(b *testing.B, ctx context.Context, c client.Client, minimum, maximum int32) {
	b.Helper()
	s := &gardencorev1beta1.Shoot{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, s); err != nil {
		b.Fatal(err)
	}
	patch := client.MergeFrom(s.DeepCopy())
	s.Spec.Provider.Workers[0].Minimum = minimum
	s.Spec.Provider.Workers[0].Maximum = maximum
	if err := c.Patch(ctx, s, patch); err != nil {
		b.Fatal(err)
	}
}

// benchReadyNodes counts the shoot's Nodes whose Ready condition is True; -1 when the
// shoot does not answer.
func benchReadyNodes(ctx context.Context, cs kubernetes.Interface) int {
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return -1
	}
	n := 0
	for _, node := range nodes.Items {
		for _, cond := range node.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				n++
			}
		}
	}
	return n
}

// benchNodeMemory sums the memory of the simulated-node processes that the process
// executor in dir (the shoot's machines directory) started, and fails unless there are
// benchNodes of them.
func benchNodeMemory(b *testing.B, dir string) framework.Memory {
	b.Helper()
	pids, err := framework.PIDs(dir)
	if err != nil {
		b.Fatal(err)
	}
	var nodes []int
	for component, pid := range pids {
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil || !framework.Alive(pid) {
			b.Fatalf("%s: process %d is gone: %v", component, pid, err)
		}
		if args := bytes.Split(cmdline, []byte{0}); len(args) > 1 && string(args[1]) == "simulated-node" {
			nodes = append(nodes, pid)
		}
	}
	if len(nodes) != benchNodes {
		b.Fatalf("want %d simulated-node processes in %s, found %d of %d recorded", benchNodes, dir, len(nodes), len(pids))
	}
	m, err := framework.MemoryOf(nodes...)
	if err != nil {
		b.Fatal(err)
	}
	return m
}
