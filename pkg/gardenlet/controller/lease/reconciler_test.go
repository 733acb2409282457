package lease

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	restfake "k8s.io/client-go/rest/fake"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/pkg/gardenlet/condition"
)

var testScheme = runtime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(testScheme))
	utilruntime.Must(gardencorev1beta1.AddToScheme(testScheme))
}

// seedAPI answers /healthz with code.
func seedAPI(code int) *restfake.RESTClient {
	return &restfake.RESTClient{
		NegotiatedSerializer: clientgoscheme.Codecs.WithoutConversion(),
		Client: restfake.CreateHTTPClient(func(req *http.Request) (*http.Response, error) {
			body := "ok"
			if code != http.StatusOK {
				body = "[-]etcd failed"
			}
			return &http.Response{StatusCode: code, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}, nil
		}),
	}
}

func TestReconcile(t *testing.T) {
	const ns = gardencorev1beta1.GardenerSeedLeaseNamespace
	var (
		t0     = time.Date(2026, 3, 11, 10, 0, 0, 0, time.UTC)
		before = t0.Add(-time.Hour)
		req    = reconcile.Request{NamespacedName: client.ObjectKey{Name: "local"}}
	)
	ready := func(status gardencorev1beta1.ConditionStatus, reason string) gardencorev1beta1.Condition {
		return gardencorev1beta1.Condition{
			Type: gardencorev1beta1.GardenletReady, Status: status, Reason: reason, Message: condition.MessageGardenletReady,
			LastTransitionTime: metav1.NewTime(before), LastUpdateTime: metav1.NewTime(before),
		}
	}
	newSeed := func(conditions ...gardencorev1beta1.Condition) *gardencorev1beta1.Seed {
		return &gardencorev1beta1.Seed{ObjectMeta: metav1.ObjectMeta{Name: "local", UID: "seed-uid"}, Status: gardencorev1beta1.SeedStatus{Conditions: conditions}}
	}
	leaseNamespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
	oldLease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: "local", Namespace: ns},
		Spec:       coordinationv1.LeaseSpec{HolderIdentity: ptr.To("local"), RenewTime: ptr.To(metav1.NewMicroTime(before))},
	}

	tests := []struct {
		name           string
		objects        []client.Object
		healthz        int
		wantErr        string
		wantRenewed    bool
		wantReady      gardencorev1beta1.ConditionStatus
		wantReadySince time.Time
	}{
		{
			name:        "creates the lease and its missing namespace, and sets GardenletReady",
			objects:     []client.Object{newSeed()},
			healthz:     http.StatusOK,
			wantRenewed: true, wantReady: gardencorev1beta1.ConditionTrue, wantReadySince: t0,
		},
		{
			name:        "renews the lease and sets an Unknown GardenletReady back to True",
			objects:     []client.Object{newSeed(ready(gardencorev1beta1.ConditionUnknown, "SeedStatusUnknown")), leaseNamespace.DeepCopy(), oldLease.DeepCopy()},
			healthz:     http.StatusOK,
			wantRenewed: true, wantReady: gardencorev1beta1.ConditionTrue, wantReadySince: t0,
		},
		{
			name:        "leaves a True GardenletReady alone",
			objects:     []client.Object{newSeed(ready(gardencorev1beta1.ConditionTrue, condition.ReasonGardenletReady)), leaseNamespace.DeepCopy(), oldLease.DeepCopy()},
			healthz:     http.StatusOK,
			wantRenewed: true, wantReady: gardencorev1beta1.ConditionTrue, wantReadySince: before,
		},
		{
			name:      "does not renew while the seed cluster is unhealthy",
			objects:   []client.Object{newSeed(ready(gardencorev1beta1.ConditionUnknown, "SeedStatusUnknown")), oldLease.DeepCopy()},
			healthz:   http.StatusInternalServerError,
			wantErr:   "the seed cluster is not healthy",
			wantReady: gardencorev1beta1.ConditionUnknown, wantReadySince: before,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ctx := context.Background()
			c := fake.NewClientBuilder().WithScheme(testScheme).WithObjects(tt.objects...).WithStatusSubresource(&gardencorev1beta1.Seed{}).
				WithInterceptorFuncs(interceptor.Funcs{Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
					// Like the API server, refuse objects in a namespace that does not exist.
					if ns := obj.GetNamespace(); ns != "" {
						if err := c.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{}); err != nil {
							return err
						}
					}
					return c.Create(ctx, obj, opts...)
				}}).Build()
			r := &Reconciler{
				GardenClient: c, SeedRESTClient: seedAPI(tt.healthz), SeedName: "local", Namespace: ns,
				RenewPeriod: 10 * time.Second, LeaseDuration: 40 * time.Second, Clock: clocktesting.NewFakeClock(t0),
			}
			res, err := r.Reconcile(ctx, req)
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				g.Expect(r.Healthy()).To(BeFalse())
			} else {
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(res.RequeueAfter).To(Equal(10 * time.Second))
				g.Expect(r.Healthy()).To(BeTrue())
			}

			lease := &coordinationv1.Lease{}
			err = c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "local"}, lease)
			if tt.wantRenewed {
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(lease.Spec.RenewTime.Time).To(BeTemporally("==", t0))
				g.Expect(lease.Spec.HolderIdentity).To(Equal(ptr.To("local")))
				g.Expect(lease.Spec.LeaseDurationSeconds).To(Equal(ptr.To[int32](40)))
				g.Expect(lease.OwnerReferences).To(ConsistOf(HaveField("UID", BeEquivalentTo("seed-uid"))))
				g.Expect(c.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{})).To(Succeed())
			} else if err == nil {
				g.Expect(lease.Spec.RenewTime.Time).To(BeTemporally("==", before))
			}

			seed := &gardencorev1beta1.Seed{}
			g.Expect(c.Get(ctx, req.NamespacedName, seed)).To(Succeed())
			got := condition.Get(seed.Status.Conditions, gardencorev1beta1.GardenletReady)
			g.Expect(got).NotTo(BeNil())
			g.Expect(got.Status).To(Equal(tt.wantReady))
			g.Expect(got.LastTransitionTime.Time).To(BeTemporally("==", tt.wantReadySince))
		})
	}
}

func TestReconcileSeedGone(t *testing.T) {
	g := NewWithT(t)
	c := fake.NewClientBuilder().WithScheme(testScheme).Build()
	r := &Reconciler{GardenClient: c, SeedRESTClient: seedAPI(http.StatusOK), SeedName: "local", Namespace: "leases", RenewPeriod: time.Second, Clock: clocktesting.NewFakeClock(time.Now())}
	res, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKey{Name: "local"}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res).To(Equal(reconcile.Result{}))
}
