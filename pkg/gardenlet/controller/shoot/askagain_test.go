package shoot

import (
	"context"
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

// TestDeployExtensionAsksAgain drives deployExtension poll by poll: every Get of the
// seed client first waits until the test lets it go on, so that the test changes the
// clock and the object only between polls and knows what each poll saw, without sleeping
// or timing assertions.
func TestDeployExtensionAsksAgain(t *testing.T) {
	// step advances the clock by advance, lets the task poll once, and expects the object
	// to carry the stamp of the first write plus wantStamp.
	type step struct {
		advance   time.Duration
		wantStamp time.Duration
	}
	tests := []struct {
		name string
		// taken makes the extension take the request (remove the operation annotation)
		// right after the gardenlet wrote it, without reporting success yet.
		taken bool
		steps []step
	}{
		{
			name: "asks again every period while the request is pending",
			steps: []step{
				{advance: 0, wantStamp: 0},
				{advance: extensionAskAgainPeriod - time.Second, wantStamp: 0},
				{advance: 2 * time.Second, wantStamp: extensionAskAgainPeriod + time.Second},
				{advance: extensionAskAgainPeriod - time.Second, wantStamp: extensionAskAgainPeriod + time.Second},
				{advance: 2 * time.Second, wantStamp: 2*extensionAskAgainPeriod + 2*time.Second},
			},
		},
		{
			name:  "does not ask again once the extension took the request",
			taken: true,
			steps: []step{
				{advance: extensionAskAgainPeriod + time.Second, wantStamp: 0},
				{advance: 2 * extensionAskAgainPeriod, wantStamp: 0},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()

			scheme := runtime.NewScheme()
			g.Expect(extensionsv1alpha1.AddToScheme(scheme)).To(Succeed())
			seed := fake.NewClientBuilder().WithScheme(scheme).Build()
			// waiting receives when the task is about to Get; it then waits for goOn.
			waiting, goOn := make(chan struct{}), make(chan struct{})
			gated := interceptor.NewClient(seed, interceptor.Funcs{
				Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
					select {
					case waiting <- struct{}{}:
					case <-ctx.Done():
						return ctx.Err()
					}
					select {
					case <-goOn:
					case <-ctx.Done():
						return ctx.Err()
					}
					return c.Get(ctx, key, obj, opts...)
				},
			})
			start := time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)
			clk := clocktesting.NewFakeClock(start)
			o := &operation{r: &Reconciler{SeedClient: gated, Clock: clk}}

			infra := &extensionsv1alpha1.Infrastructure{ObjectMeta: metav1.ObjectMeta{Namespace: "shoot--dev--a", Name: "a"}}
			key := client.ObjectKeyFromObject(infra)
			done := make(chan error, 1)
			go func() {
				done <- o.deployExtension(ctx, infra, func() error {
					infra.Spec.Type = "local"
					return nil
				})
			}()

			// settle returns once the task is about to Get again: everything it did before
			// has finished, and it does nothing until poll.
			settle := func() {
				t.Helper()
				select {
				case <-waiting:
				case err := <-done:
					t.Fatalf("deployExtension returned while the extension was not ready: %v", err)
				case <-time.After(time.Minute):
					t.Fatal("deployExtension did not read the object again within a minute")
				}
			}
			// poll lets the task do one Get and what follows it, until the next Get.
			// proceed lets the Get the task waits in go on.
			proceed := func() {
				t.Helper()
				select {
				case goOn <- struct{}{}:
				case err := <-done:
					t.Fatalf("deployExtension returned while the test expected it to read the object: %v", err)
				case <-time.After(time.Minute):
					t.Fatal("deployExtension did not read the object within a minute")
				}
			}
			poll := func() {
				t.Helper()
				proceed()
				settle()
			}
			stored := func() *extensionsv1alpha1.Infrastructure {
				t.Helper()
				got := &extensionsv1alpha1.Infrastructure{}
				g.Expect(seed.Get(ctx, key, got)).To(Succeed())
				return got
			}
			stamp := func(d time.Duration) string { return start.Add(d).UTC().Format(time.RFC3339Nano) }

			// The Get of CreateOrPatch, then the object is written and the wait begins.
			settle()
			poll()
			created := stored()
			g.Expect(created.Annotations).To(HaveKeyWithValue(v1beta1constants.GardenerOperation, v1beta1constants.GardenerOperationReconcile))
			g.Expect(created.Annotations).To(HaveKeyWithValue(v1beta1constants.GardenerTimestamp, stamp(0)))
			g.Expect(created.Spec.Type).To(Equal("local"))
			if tt.taken {
				delete(created.Annotations, v1beta1constants.GardenerOperation)
				g.Expect(seed.Update(ctx, created)).To(Succeed())
			}

			var elapsed time.Duration
			for _, s := range tt.steps {
				clk.Step(s.advance)
				elapsed += s.advance
				poll()
				got := stored()
				g.Expect(got.Annotations).To(HaveKeyWithValue(v1beta1constants.GardenerTimestamp, stamp(s.wantStamp)), "after %s", elapsed)
				if tt.taken {
					g.Expect(got.Annotations).NotTo(HaveKey(v1beta1constants.GardenerOperation), "after %s", elapsed)
				} else {
					g.Expect(got.Annotations).To(HaveKeyWithValue(v1beta1constants.GardenerOperation, v1beta1constants.GardenerOperationReconcile), "after %s", elapsed)
				}
			}

			// The extension reports success: the task ends at its next poll, without asking
			// again although the period is over.
			ready := stored()
			delete(ready.Annotations, v1beta1constants.GardenerOperation)
			ready.Status.ObservedGeneration = ready.Generation
			ready.Status.LastOperation = &gardencorev1beta1.LastOperation{
				Type:  gardencorev1beta1.LastOperationTypeReconcile,
				State: gardencorev1beta1.LastOperationStateSucceeded,
			}
			g.Expect(seed.Update(ctx, ready)).To(Succeed())
			clk.Step(extensionAskAgainPeriod + time.Second)
			proceed()
			select {
			case err := <-done:
				g.Expect(err).NotTo(HaveOccurred())
			case <-waiting:
				t.Fatal("deployExtension still waits although the extension reported success")
			case <-time.After(time.Minute):
				t.Fatal("deployExtension did not return within a minute of the extension's success")
			}
			last := tt.steps[len(tt.steps)-1].wantStamp
			g.Expect(stored().Annotations).To(HaveKeyWithValue(v1beta1constants.GardenerTimestamp, stamp(last)))
		})
	}
}
