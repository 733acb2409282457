package shoot_test

import (
	"context"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/test/e2e/framework"
	"github.com/hortus-dev/hortus/test/testenv"
)

// BenchmarkShoot measures shoot operations on a local landscape, with the binaries built:
// create → Succeeded (median of 5), wake → API ready, delete → gone (median of 5), the RSS
// of one running control plane, and a bare start of etcd + kube-apiserver in the same run,
// for the ratio create / bare start.
func BenchmarkShoot(b *testing.B) {
	root, err := testenv.RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	cli := framework.CLI{BinDir: framework.BinDir(root)}
	ctx := context.Background()
	state, c := framework.Landscape(ctx, b, cli)

	var creates, deletes, wakes, wakeOps, bares []time.Duration
	var mem, sidecar framework.Memory
	for i := 0; b.Loop(); i++ {
		bares = append(bares, bareStart(b, ctx))
		var names []string
		for j := range 5 {
			name := fmt.Sprintf("bench-%d-%d", i, j)
			names = append(names, name)
			start := time.Now()
			s := benchShoot(name)
			if err := c.Create(ctx, s); err != nil {
				b.Fatal(err)
			}
			waitShoot(b, ctx, c, name, func(s *gardencorev1beta1.Shoot) bool { return framework.ShootSucceeded(s) && !s.Status.IsHibernated })
			creates = append(creates, time.Since(start))
		}
		first := names[0]
		mem, sidecar = shootMemory(b, filepath.Join(state, "seeds", "local", "shoot--local--"+first))

		shootClient := framework.AdminClient(ctx, b, c, client.ObjectKey{Namespace: namespace, Name: first}, time.Second)
		setHibernation(b, ctx, c, first, true)
		waitShoot(b, ctx, c, first, func(s *gardencorev1beta1.Shoot) bool { return framework.ShootSucceeded(s) && s.Status.IsHibernated })
		start := time.Now()
		setHibernation(b, ctx, c, first, false)
		// Wake → API ready: the shoot's /readyz answers ok through the admin kubeconfig a
		// tenant holds. The operation itself succeeds a little later, once the
		// kube-controller-manager and kube-scheduler are back too.
		waitReadyz(b, ctx, shootClient)
		wakes = append(wakes, time.Since(start))
		waitShoot(b, ctx, c, first, func(s *gardencorev1beta1.Shoot) bool { return framework.ShootSucceeded(s) && !s.Status.IsHibernated })
		wakeOps = append(wakeOps, time.Since(start))

		for _, name := range names {
			start := time.Now()
			s := &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}}
			if err := c.Delete(ctx, s); err != nil {
				b.Fatal(err)
			}
			deadline := time.Now().Add(3 * time.Minute)
			for {
				err := c.Get(ctx, client.ObjectKeyFromObject(s), s)
				if apierrors.IsNotFound(err) {
					break
				}
				if time.Now().After(deadline) {
					b.Fatalf("shoot %s not deleted within 3 minutes", name)
				}
				time.Sleep(50 * time.Millisecond)
			}
			deletes = append(deletes, time.Since(start))
		}
	}
	create, bare := framework.Median(creates), framework.Median(bares)
	b.ReportMetric(create.Seconds(), "s-create-median")
	b.ReportMetric(framework.Median(wakes).Seconds(), "s-wake-api-ready")
	b.ReportMetric(framework.Median(wakeOps).Seconds(), "s-wake-succeeded")
	b.ReportMetric(framework.Median(deletes).Seconds(), "s-delete-median")
	b.ReportMetric(bare.Seconds(), "s-bare-etcd+kas")
	b.ReportMetric(create.Seconds()/bare.Seconds(), "create/bare")
	// RSS counts the pages of the binaries, which every shoot on the machine shares; PSS
	// and anonymous memory are what one more shoot costs.
	b.ReportMetric(float64(mem.RSS)/(1<<20), "MiB-rss-control-plane")
	b.ReportMetric(float64(mem.PSS)/(1<<20), "MiB-pss-control-plane")
	b.ReportMetric(float64(mem.Anonymous)/(1<<20), "MiB-anon-control-plane")
	b.ReportMetric(float64(sidecar.RSS)/(1<<20), "MiB-rss-etcd-backup-sidecar")
	b.ReportMetric(float64(sidecar.PSS)/(1<<20), "MiB-pss-etcd-backup-sidecar")
}

func benchShoot(name string) *gardencorev1beta1.Shoot {
	return &gardencorev1beta1.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Annotations: map[string]string{"confirmation.gardener.cloud/deletion": "true"}},
		Spec: gardencorev1beta1.ShootSpec{
			CloudProfile: &gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: "local"},
			Region:       "local",
			Provider:     gardencorev1beta1.Provider{Type: "local"},
		},
	}
}

func waitShoot(b *testing.B, ctx context.Context, c client.Client, name string, done func(*gardencorev1beta1.Shoot) bool) {
	b.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	s := &gardencorev1beta1.Shoot{}
	for {
		if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, s); err == nil && done(s) {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("shoot %s: not done within 3 minutes; last operation %+v", name, s.Status.LastOperation)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func setHibernation(b *testing.B, ctx context.Context, c client.Client, name string, enabled bool) {
	b.Helper()
	s := &gardencorev1beta1.Shoot{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, s); err != nil {
		b.Fatal(err)
	}
	patch := client.MergeFrom(s.DeepCopy())
	s.Spec.Hibernation = &gardencorev1beta1.Hibernation{Enabled: ptr.To(enabled)}
	if err := c.Patch(ctx, s, patch); err != nil {
		b.Fatal(err)
	}
}

// waitReadyz polls the shoot's /readyz until it answers ok.
func waitReadyz(b *testing.B, ctx context.Context, cs kubernetes.Interface) {
	b.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		body, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err == nil && string(body) == "ok" {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("the shoot's /readyz did not answer ok within 3 minutes: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// bareStart is the time a fresh etcd + kube-apiserver take to /readyz.
func bareStart(b *testing.B, ctx context.Context) time.Duration {
	b.Helper()
	start := time.Now()
	env, err := testenv.Start(ctx, testenv.Options{})
	if err != nil {
		b.Fatal(err)
	}
	d := time.Since(start)
	if err := env.Stop(ctx); err != nil {
		b.Fatal(err)
	}
	return d
}

// shootMemory sums the memory of a shoot's control-plane processes (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler) and returns that of its etcd backup sidecar
// apart: the sidecar runs only on seeds with a backup.
func shootMemory(b *testing.B, dir string) (controlPlane, sidecar framework.Memory) {
	b.Helper()
	pids, err := framework.PIDs(dir)
	if err != nil || len(pids) != 5 {
		b.Fatalf("want 5 components (4 and the etcd backup sidecar) in %s, found %d: %v", dir, len(pids), err)
	}
	var main []int
	for comp, pid := range pids {
		if path.Base(comp) == "etcd-backup" {
			if sidecar, err = framework.MemoryOf(pid); err != nil {
				b.Fatal(err)
			}
			continue
		}
		main = append(main, pid)
	}
	if len(main) != 4 {
		b.Fatalf("no etcd-backup component among %v", slices.Collect(maps.Keys(pids)))
	}
	if controlPlane, err = framework.MemoryOf(main...); err != nil {
		b.Fatal(err)
	}
	return controlPlane, sidecar
}
