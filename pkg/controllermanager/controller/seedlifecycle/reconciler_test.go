package seedlifecycle

import (
	"context"
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

var (
	testScheme = runtime.NewScheme()
	now        = time.Date(2026, 3, 11, 12, 0, 0, 0, time.UTC)
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(testScheme))
	utilruntime.Must(gardencorev1beta1.AddToScheme(testScheme))
}

func condition(t gardencorev1beta1.ConditionType, status gardencorev1beta1.ConditionStatus, since time.Time) gardencorev1beta1.Condition {
	return gardencorev1beta1.Condition{
		Type: t, Status: status, Reason: "Reported", Message: "reported by the gardenlet",
		LastTransitionTime: metav1.NewTime(since), LastUpdateTime: metav1.NewTime(since),
	}
}

func seed(conditions ...gardencorev1beta1.Condition) *gardencorev1beta1.Seed {
	return &gardencorev1beta1.Seed{
		ObjectMeta: metav1.ObjectMeta{Name: "eu"},
		Status:     gardencorev1beta1.SeedStatus{Conditions: conditions},
	}
}

func lease(renewed time.Time) *coordinationv1.Lease {
	return &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: "eu", Namespace: gardencorev1beta1.GardenerSeedLeaseNamespace},
		Spec:       coordinationv1.LeaseSpec{RenewTime: ptr.To(metav1.NewMicroTime(renewed))},
	}
}

// shoot returns a healthy Shoot; specSeed and statusSeed may be empty.
func shoot(name, specSeed, statusSeed string) *gardencorev1beta1.Shoot {
	s := &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "garden-dev"}}
	s.Spec.Provider.Workers = []gardencorev1beta1.Worker{{Name: "w"}}
	for _, n := range []string{specSeed, statusSeed} {
		if n != "" {
			metav1.SetMetaDataLabel(&s.ObjectMeta, v1beta1constants.LabelPrefixSeedName+n, "true")
		}
	}
	if specSeed != "" {
		s.Spec.SeedName = ptr.To(specSeed)
	}
	if statusSeed != "" {
		s.Status.SeedName = ptr.To(statusSeed)
	}
	s.Status.Conditions = []gardencorev1beta1.Condition{condition(gardencorev1beta1.ShootAPIServerAvailable, gardencorev1beta1.ConditionTrue, now.Add(-time.Hour))}
	return s
}

func TestReconcile(t *testing.T) {
	const (
		monitor      = 40 * time.Second
		shootMonitor = 200 * time.Second
	)
	readySince := now.Add(-time.Hour)
	for _, tc := range []struct {
		name    string
		objects []client.Object
		// wantReady is the status of the seed's GardenletReady condition afterwards, and
		// wantReason its reason.
		wantReady  gardencorev1beta1.ConditionStatus
		wantReason string
		// wantMessage is part of the message of GardenletReady.
		wantMessage string
		// unknownShoots are the shoots whose conditions are all Unknown afterwards; the
		// others keep them True.
		unknownShoots []string
		wantRequeue   time.Duration
	}{
		{
			name:        "a fresh lease changes nothing",
			objects:     []client.Object{seed(condition(gardencorev1beta1.GardenletReady, gardencorev1beta1.ConditionTrue, readySince)), lease(now.Add(-10 * time.Second)), shoot("a", "eu", "eu")},
			wantReady:   gardencorev1beta1.ConditionTrue,
			wantReason:  "Reported",
			wantRequeue: 30 * time.Second,
		},
		{
			name:        "a fresh lease does not set an Unknown GardenletReady back to True",
			objects:     []client.Object{seed(condition(gardencorev1beta1.GardenletReady, gardencorev1beta1.ConditionUnknown, now.Add(-time.Hour))), lease(now), shoot("a", "eu", "eu")},
			wantReady:   gardencorev1beta1.ConditionUnknown,
			wantReason:  "Reported",
			wantRequeue: monitor,
		},
		{
			name:        "a seed without conditions is left alone",
			objects:     []client.Object{seed(), shoot("a", "eu", "eu")},
			wantRequeue: monitor,
		},
		{
			name:          "a stale lease turns GardenletReady Unknown but not yet the shoots",
			objects:       []client.Object{seed(condition(gardencorev1beta1.GardenletReady, gardencorev1beta1.ConditionTrue, readySince)), lease(now.Add(-monitor)), shoot("a", "eu", "eu")},
			wantReady:     gardencorev1beta1.ConditionUnknown,
			wantReason:    ReasonSeedStatusUnknown,
			wantMessage:   "Gardenlet stopped posting seed status (lease renewed at 2026-03-11T11:59:20Z)",
			unknownShoots: nil,
			wantRequeue:   monitor,
		},
		{
			name:        "a missing lease is stale",
			objects:     []client.Object{seed(condition(gardencorev1beta1.GardenletReady, gardencorev1beta1.ConditionTrue, readySince)), shoot("a", "eu", "eu")},
			wantReady:   gardencorev1beta1.ConditionUnknown,
			wantReason:  ReasonSeedStatusUnknown,
			wantMessage: "(no lease)",
			wantRequeue: monitor,
		},
		{
			name:        "the shoots wait until GardenletReady has been Unknown for the shoot monitor period",
			objects:     []client.Object{seed(condition(gardencorev1beta1.GardenletReady, gardencorev1beta1.ConditionUnknown, now.Add(-shootMonitor+time.Second))), lease(now.Add(-time.Hour)), shoot("a", "eu", "eu")},
			wantReady:   gardencorev1beta1.ConditionUnknown,
			wantReason:  ReasonSeedStatusUnknown,
			wantRequeue: time.Second,
		},
		{
			name: "after the shoot monitor period the shoots of the seed turn Unknown",
			objects: []client.Object{
				seed(condition(gardencorev1beta1.GardenletReady, gardencorev1beta1.ConditionUnknown, now.Add(-shootMonitor))), lease(now.Add(-time.Hour)),
				shoot("spec-and-status", "eu", "eu"), shoot("spec-only", "eu", ""), shoot("migrating-away", "us", "eu"),
				shoot("other-seed", "us", "us"), shoot("unscheduled", "", ""),
			},
			wantReady:     gardencorev1beta1.ConditionUnknown,
			wantReason:    ReasonSeedStatusUnknown,
			unknownShoots: []string{"spec-and-status", "spec-only", "migrating-away"},
			wantRequeue:   monitor,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			ctx := context.Background()
			c := fake.NewClientBuilder().WithScheme(testScheme).WithObjects(tc.objects...).
				WithStatusSubresource(&gardencorev1beta1.Seed{}, &gardencorev1beta1.Shoot{}).Build()
			r := &Reconciler{Client: c, Clock: clocktesting.NewFakeClock(now), LeaseNamespace: gardencorev1beta1.GardenerSeedLeaseNamespace}
			r.Config.MonitorPeriod = &metav1.Duration{Duration: monitor}

			// Twice: the second reconciliation must find nothing more to do.
			var first []gardencorev1beta1.Shoot
			for i := range 2 {
				res, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: client.ObjectKey{Name: "eu"}})
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(res.RequeueAfter).To(Equal(tc.wantRequeue))

				got := &gardencorev1beta1.Seed{}
				g.Expect(c.Get(ctx, client.ObjectKey{Name: "eu"}, got)).To(Succeed())
				if tc.wantReady == "" {
					g.Expect(got.Status.Conditions).To(BeEmpty())
				} else {
					g.Expect(got.Status.Conditions).To(ContainElement(And(
						HaveField("Type", gardencorev1beta1.GardenletReady),
						HaveField("Status", tc.wantReady),
						HaveField("Reason", tc.wantReason),
						HaveField("Message", ContainSubstring(tc.wantMessage)),
					)))
				}

				shoots := &gardencorev1beta1.ShootList{}
				g.Expect(c.List(ctx, shoots)).To(Succeed())
				for _, s := range shoots.Items {
					if !contains(tc.unknownShoots, s.Name) {
						g.Expect(s.Status.Conditions).To(HaveEach(HaveField("Status", gardencorev1beta1.ConditionTrue)), s.Name)
						g.Expect(s.Status.Constraints).To(BeEmpty(), s.Name)
						continue
					}
					unknown := And(
						HaveField("Status", gardencorev1beta1.ConditionUnknown),
						HaveField("Reason", ReasonShootStatusUnknown),
						HaveField("Message", ContainSubstring("seed eu")),
						HaveField("LastTransitionTime.Time", BeTemporally("==", now)),
					)
					g.Expect(s.Status.Conditions).To(HaveLen(5), s.Name)
					g.Expect(s.Status.Conditions).To(HaveEach(unknown), s.Name)
					g.Expect(s.Status.Constraints).To(ConsistOf(
						And(HaveField("Type", gardencorev1beta1.ShootHibernationPossible), unknown),
						And(HaveField("Type", gardencorev1beta1.ShootMaintenancePreconditionsSatisfied), unknown),
					), s.Name)
				}
				if i == 0 {
					first = shoots.Items
				} else {
					g.Expect(shoots.Items).To(Equal(first), "the second reconciliation changed the shoots")
				}
			}
		})
	}
}

func TestSetCondition(t *testing.T) {
	g := NewWithT(t)
	earlier := now.Add(-time.Hour)
	in := []gardencorev1beta1.Condition{condition(gardencorev1beta1.GardenletReady, gardencorev1beta1.ConditionUnknown, earlier)}

	out, c, changed := SetCondition(in, gardencorev1beta1.GardenletReady, gardencorev1beta1.ConditionUnknown, "Other", "other", now)
	g.Expect(changed).To(BeTrue())
	g.Expect(c.LastTransitionTime.Time).To(Equal(earlier), "the status did not change")
	g.Expect(c.LastUpdateTime.Time).To(Equal(now))
	g.Expect(in[0].Reason).To(Equal("Reported"), "the input must not change")
	g.Expect(out).To(HaveLen(1))

	_, _, changed = SetCondition(out, gardencorev1beta1.GardenletReady, gardencorev1beta1.ConditionUnknown, "Other", "other", now.Add(time.Minute))
	g.Expect(changed).To(BeFalse())

	out, c, changed = SetCondition(out, gardencorev1beta1.SeedExtensionsReady, gardencorev1beta1.ConditionFalse, "R", "m", now)
	g.Expect(changed).To(BeTrue())
	g.Expect(out).To(HaveLen(2))
	g.Expect(c.LastTransitionTime.Time).To(Equal(now))
}

func contains(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}
