package controller_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	testclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"

	"github.com/hortus-dev/hortus/pkg/scheduler/controller"
)

// benchGarden returns a cloud profile, 100 seeds in eight regions (every seventh tainted,
// every tenth not ready) and 1,000 unscheduled shoots in the same regions (every third
// tolerating the taint).
func benchGarden() (objs []client.Object, seeds []*gardencorev1beta1.Seed, shoots []*gardencorev1beta1.Shoot) {
	regions := []string{"eu-west-1", "eu-west-2", "eu-central-1", "us-east-1", "us-west-2", "ap-south-1", "ap-northeast-1", "sa-east-1"}
	objs = []client.Object{cloudProfile("aws", nil)}
	for i := range 100 {
		s := seed(fmt.Sprintf("seed-%03d", i), regions[i%len(regions)], i%10 != 3, nil)
		if i%7 == 0 {
			s.Spec.Taints = []gardencorev1beta1.SeedTaint{{Key: "dedicated", Value: ptr.To("team-a")}}
		}
		seeds = append(seeds, s)
		objs = append(objs, s)
	}
	for i := range 1000 {
		s := shoot(fmt.Sprintf("shoot-%04d", i), regions[i%len(regions)], nil)
		if i%3 == 0 {
			s.Spec.Tolerations = []gardencorev1beta1.Toleration{{Key: "dedicated", Value: ptr.To("team-a")}}
		}
		shoots = append(shoots, s)
		objs = append(objs, s)
	}
	return objs, seeds, shoots
}

// BenchmarkSchedulerController reconciles 1,000 unscheduled shoots against 100 seeds, one
// after the other, and reports decisions per second.
//
// FakeClient runs against controller-runtime's fake client, whose costs dominate: it
// round-trips every listed object through JSON, so listing the 1,000 shoots on each reconcile
// takes most of the time, and it rebuilds a REST mapper for the managed fields of every
// update. InMemory serves reads from memory as the manager's informer cache does (a copy of
// the shoot on Get, shared objects for the reconciler's UnsafeDisableDeepCopy reads) and
// binds in memory, updating the IndexCounter's indexer as the informer would, so it measures
// the reconciler's own work. BenchmarkDecide in package
// decision measures the decision alone.
func BenchmarkSchedulerController(b *testing.B) {
	b.Run("FakeClient", func(b *testing.B) {
		benchmarkController(b, func(b *testing.B) (client.Client, controller.ShootCounter, func() []*gardencorev1beta1.Shoot) {
			objs, _, shoots := benchGarden()
			c := newGarden(b, objs...)
			return c, nil, func() []*gardencorev1beta1.Shoot {
				out := make([]*gardencorev1beta1.Shoot, len(shoots))
				for i, s := range shoots {
					out[i] = &gardencorev1beta1.Shoot{}
					if err := c.Get(b.Context(), client.ObjectKeyFromObject(s), out[i]); err != nil {
						b.Fatal(err)
					}
				}
				return out
			}
		})
	})
	b.Run("InMemory", func(b *testing.B) {
		benchmarkController(b, func(b *testing.B) (client.Client, controller.ShootCounter, func() []*gardencorev1beta1.Shoot) {
			objs, seeds, shoots := benchGarden()
			profile := objs[0].(*gardencorev1beta1.CloudProfile)
			index := make(map[client.ObjectKey]int, len(shoots))
			indexer := toolscache.NewIndexer(toolscache.MetaNamespaceKeyFunc, controller.SeedNameIndexers())
			for i, s := range shoots {
				index[client.ObjectKeyFromObject(s)] = i
				if err := indexer.Add(s); err != nil {
					b.Fatal(err)
				}
			}
			funcs := interceptor.Funcs{
				Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
					switch o := obj.(type) {
					case *gardencorev1beta1.Shoot:
						shoots[index[key]].DeepCopyInto(o)
					case *gardencorev1beta1.CloudProfile:
						*o = *profile
					default:
						return c.Get(ctx, key, obj, opts...)
					}
					return nil
				},
				List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
					switch l := list.(type) {
					case *gardencorev1beta1.SeedList:
						l.Items = make([]gardencorev1beta1.Seed, 0, len(seeds))
						for _, s := range seeds {
							l.Items = append(l.Items, *s)
						}
					case *gardencorev1beta1.ShootList:
						l.Items = make([]gardencorev1beta1.Shoot, 0, len(shoots))
						for _, s := range shoots {
							l.Items = append(l.Items, *s)
						}
					default:
						return c.List(ctx, list, opts...)
					}
					return nil
				},
				SubResourceUpdate: func(_ context.Context, _ client.Client, _ string, obj client.Object, _ ...client.SubResourceUpdateOption) error {
					bound := obj.(*gardencorev1beta1.Shoot).DeepCopy()
					shoots[index[client.ObjectKeyFromObject(obj)]] = bound
					return indexer.Update(bound)
				},
			}
			c := fake.NewClientBuilder().WithScheme(testScheme(b)).WithInterceptorFuncs(funcs).Build()
			return c, controller.IndexCounter{Indexer: indexer}, func() []*gardencorev1beta1.Shoot { return shoots }
		})
	})
}

// benchmarkController times reconciling every shoot that newGarden's garden holds, counting
// shoots with the returned counter (nil: through the client), and then checks with the
// returned function that each one got a seed.
func benchmarkController(b *testing.B, newGarden func(*testing.B) (client.Client, controller.ShootCounter, func() []*gardencorev1beta1.Shoot)) {
	var (
		decisions int
		elapsed   time.Duration
	)
	for b.Loop() {
		b.StopTimer()
		c, counter, shoots := newGarden(b)
		reqs := make([]reconcile.Request, 0, 1000)
		for _, s := range shoots() {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(s)})
		}
		r := &controller.ShootScheduler{
			Client:   c,
			Counter:  counter,
			Binder:   controller.SubResourceBinder{Client: c},
			Recorder: &events.FakeRecorder{},
			Clock:    testclock.NewFakePassiveClock(now),
		}
		b.StartTimer()

		start := time.Now()
		for _, req := range reqs {
			if _, err := r.Reconcile(b.Context(), req); err != nil {
				b.Fatalf("Reconcile(%s) = %v", req, err)
			}
		}
		elapsed += time.Since(start)
		decisions += len(reqs)

		b.StopTimer()
		for _, s := range shoots() {
			if s.Spec.SeedName == nil {
				b.Fatalf("shoot %s was not scheduled", s.Name)
			}
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(decisions)/elapsed.Seconds(), "decisions/s")
}
