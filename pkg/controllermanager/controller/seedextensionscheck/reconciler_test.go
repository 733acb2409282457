package seedextensionscheck

import (
	"context"
	"testing"
	"time"

	controllermanagerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/controllermanager/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

var testScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(gardencorev1beta1.AddToScheme(s))
	return s
}()

func seedWith(conditions ...gardencorev1beta1.Condition) *gardencorev1beta1.Seed {
	return &gardencorev1beta1.Seed{
		ObjectMeta: metav1.ObjectMeta{Name: "eu"},
		Status:     gardencorev1beta1.SeedStatus{Conditions: conditions},
	}
}

func seedCondition(t gardencorev1beta1.ConditionType, status gardencorev1beta1.ConditionStatus, reason, message string, since time.Time) gardencorev1beta1.Condition {
	return gardencorev1beta1.Condition{Type: t, Status: status, Reason: reason, Message: message, LastTransitionTime: metav1.NewTime(since), LastUpdateTime: metav1.NewTime(since)}
}

func onSeed(inst gardencorev1beta1.ControllerInstallation, seed string) *gardencorev1beta1.ControllerInstallation {
	inst.Spec.SeedRef = &corev1.ObjectReference{Name: seed}
	return &inst
}

func TestReconcile(t *testing.T) {
	const (
		syncPeriod = 30 * time.Second
		threshold  = time.Minute
	)
	earlier := now.Add(-time.Hour)
	gardenletReady := seedCondition(gardencorev1beta1.GardenletReady, gardencorev1beta1.ConditionTrue, "GardenletReady", "ready", earlier)
	unhealthy := installation("provider-local", readyConditions(cond(gardencorev1beta1.ControllerInstallationHealthy, gardencorev1beta1.ConditionFalse, "pod crashes"))...)
	for _, tc := range []struct {
		name      string
		objects   []client.Object
		threshold time.Duration
		// want is the ExtensionsReady condition afterwards.
		want        gardencorev1beta1.Condition
		wantRequeue time.Duration
	}{
		{
			name:        "a seed without installations is ready",
			objects:     []client.Object{seedWith(gardenletReady)},
			want:        seedCondition(gardencorev1beta1.SeedExtensionsReady, gardencorev1beta1.ConditionTrue, ReasonAllExtensionsReady, MessageAllExtensionsReady, now),
			wantRequeue: syncPeriod,
		},
		{
			name:        "installations on other seeds do not count",
			objects:     []client.Object{seedWith(gardenletReady), onSeed(unhealthy, "us"), onSeed(installation("no-seed"), "")},
			want:        seedCondition(gardencorev1beta1.SeedExtensionsReady, gardencorev1beta1.ConditionTrue, ReasonAllExtensionsReady, MessageAllExtensionsReady, now),
			wantRequeue: syncPeriod,
		},
		{
			name:        "an unhealthy installation makes the seed not ready",
			objects:     []client.Object{seedWith(gardenletReady), onSeed(unhealthy, "eu"), onSeed(installation("networking", readyConditions()...), "eu")},
			want:        seedCondition(gardencorev1beta1.SeedExtensionsReady, gardencorev1beta1.ConditionFalse, ReasonNotAllExtensionsHealthy, "Some extensions are not healthy: provider-local (Healthy=False: pod crashes).", now),
			wantRequeue: syncPeriod,
		},
		{
			name: "an unchanged condition keeps its times",
			objects: []client.Object{seedWith(gardenletReady,
				seedCondition(gardencorev1beta1.SeedExtensionsReady, gardencorev1beta1.ConditionTrue, ReasonAllExtensionsReady, MessageAllExtensionsReady, earlier))},
			want:        seedCondition(gardencorev1beta1.SeedExtensionsReady, gardencorev1beta1.ConditionTrue, ReasonAllExtensionsReady, MessageAllExtensionsReady, earlier),
			wantRequeue: syncPeriod,
		},
		{
			name: "a new message keeps the transition time",
			objects: []client.Object{seedWith(gardenletReady,
				seedCondition(gardencorev1beta1.SeedExtensionsReady, gardencorev1beta1.ConditionFalse, ReasonNotAllExtensionsInstalled, "old", earlier)), onSeed(unhealthy, "eu")},
			want: gardencorev1beta1.Condition{
				Type: gardencorev1beta1.SeedExtensionsReady, Status: gardencorev1beta1.ConditionFalse, Reason: ReasonNotAllExtensionsHealthy,
				Message:            "Some extensions are not healthy: provider-local (Healthy=False: pod crashes).",
				LastTransitionTime: metav1.NewTime(earlier), LastUpdateTime: metav1.NewTime(now),
			},
			wantRequeue: syncPeriod,
		},
		{
			name: "with a threshold, a ready seed turns Progressing first",
			objects: []client.Object{seedWith(gardenletReady,
				seedCondition(gardencorev1beta1.SeedExtensionsReady, gardencorev1beta1.ConditionTrue, ReasonAllExtensionsReady, MessageAllExtensionsReady, earlier)), onSeed(unhealthy, "eu")},
			threshold:   threshold,
			want:        seedCondition(gardencorev1beta1.SeedExtensionsReady, gardencorev1beta1.ConditionProgressing, ReasonNotAllExtensionsHealthy, "Some extensions are not healthy: provider-local (Healthy=False: pod crashes).", now),
			wantRequeue: syncPeriod,
		},
		{
			name: "with a threshold, the check comes back when it runs out",
			objects: []client.Object{seedWith(gardenletReady,
				seedCondition(gardencorev1beta1.SeedExtensionsReady, gardencorev1beta1.ConditionProgressing, ReasonNotAllExtensionsHealthy, "Some extensions are not healthy: provider-local (Healthy=False: pod crashes).", now.Add(-50*time.Second))), onSeed(unhealthy, "eu")},
			threshold:   threshold,
			want:        seedCondition(gardencorev1beta1.SeedExtensionsReady, gardencorev1beta1.ConditionProgressing, ReasonNotAllExtensionsHealthy, "Some extensions are not healthy: provider-local (Healthy=False: pod crashes).", now.Add(-50*time.Second)),
			wantRequeue: 10 * time.Second,
		},
		{
			name: "with a threshold, Progressing turns False after it",
			objects: []client.Object{seedWith(gardenletReady,
				seedCondition(gardencorev1beta1.SeedExtensionsReady, gardencorev1beta1.ConditionProgressing, ReasonNotAllExtensionsHealthy, "Some extensions are not healthy: provider-local (Healthy=False: pod crashes).", now.Add(-threshold))), onSeed(unhealthy, "eu")},
			threshold:   threshold,
			want:        seedCondition(gardencorev1beta1.SeedExtensionsReady, gardencorev1beta1.ConditionFalse, ReasonNotAllExtensionsHealthy, "Some extensions are not healthy: provider-local (Healthy=False: pod crashes).", now),
			wantRequeue: syncPeriod,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			ctx := context.Background()
			c := fake.NewClientBuilder().WithScheme(testScheme).WithObjects(tc.objects...).
				WithStatusSubresource(&gardencorev1beta1.Seed{}).Build()
			r := &Reconciler{Client: c, Clock: clocktesting.NewFakePassiveClock(now)}
			r.Config.SyncPeriod = &metav1.Duration{Duration: syncPeriod}
			r.Config.ConditionThresholds = []controllermanagerconfigv1alpha1.ConditionThreshold{
				{Type: "SomethingElse", Duration: metav1.Duration{Duration: time.Hour}},
				{Type: string(gardencorev1beta1.SeedExtensionsReady), Duration: metav1.Duration{Duration: tc.threshold}},
			}

			res, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: client.ObjectKey{Name: "eu"}})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(res.RequeueAfter).To(Equal(tc.wantRequeue))

			got := &gardencorev1beta1.Seed{}
			g.Expect(c.Get(ctx, client.ObjectKey{Name: "eu"}, got)).To(Succeed())
			g.Expect(got.Status.Conditions).To(HaveLen(2))
			// The times come back from JSON in the local zone.
			for i := range got.Status.Conditions {
				c := &got.Status.Conditions[i]
				c.LastTransitionTime, c.LastUpdateTime = metav1.NewTime(c.LastTransitionTime.UTC()), metav1.NewTime(c.LastUpdateTime.UTC())
			}
			g.Expect(got.Status.Conditions[0]).To(Equal(gardenletReady), "other conditions stay")
			g.Expect(got.Status.Conditions[1]).To(Equal(tc.want))
		})
	}
}

func TestReconcileSeedGone(t *testing.T) {
	g := NewWithT(t)
	r := &Reconciler{Client: fake.NewClientBuilder().WithScheme(testScheme).Build(), Clock: clocktesting.NewFakePassiveClock(now)}
	res, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKey{Name: "eu"}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res).To(Equal(reconcile.Result{}))
}

func TestMapInstallationToSeed(t *testing.T) {
	g := NewWithT(t)
	inst := installation("provider-local")
	g.Expect(MapInstallationToSeed(context.Background(), &inst)).To(ConsistOf(reconcile.Request{NamespacedName: client.ObjectKey{Name: "eu"}}))
	inst.Spec.SeedRef = nil
	g.Expect(MapInstallationToSeed(context.Background(), &inst)).To(BeEmpty())
	g.Expect(MapInstallationToSeed(context.Background(), &corev1.Secret{})).To(BeEmpty())
}

func TestInstallationPredicate(t *testing.T) {
	p := conditionsChanged(installationConditions, checkedTypes()...)
	base := installation("provider-local", readyConditions()...)
	for _, tc := range []struct {
		name   string
		change func(*gardencorev1beta1.ControllerInstallation)
		want   bool
	}{
		{name: "nothing", change: func(*gardencorev1beta1.ControllerInstallation) {}},
		{name: "a label", change: func(i *gardencorev1beta1.ControllerInstallation) { i.Labels = map[string]string{"a": "b"} }},
		{name: "another condition", change: func(i *gardencorev1beta1.ControllerInstallation) {
			i.Status.Conditions = append(i.Status.Conditions, cond("Other", gardencorev1beta1.ConditionFalse, ""))
		}},
		{name: "a checked condition's times", change: func(i *gardencorev1beta1.ControllerInstallation) {
			i.Status.Conditions[2].LastUpdateTime = metav1.NewTime(now)
		}},
		{name: "a checked condition's status", want: true, change: func(i *gardencorev1beta1.ControllerInstallation) {
			i.Status.Conditions[2].Status = gardencorev1beta1.ConditionFalse
		}},
		{name: "a checked condition's message", want: true, change: func(i *gardencorev1beta1.ControllerInstallation) {
			i.Status.Conditions[3].Message = "rolling out"
		}},
		{name: "a checked condition gone", want: true, change: func(i *gardencorev1beta1.ControllerInstallation) {
			i.Status.Conditions = i.Status.Conditions[1:]
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			updated := base.DeepCopy()
			tc.change(updated)
			NewWithT(t).Expect(p.Update(event.UpdateEvent{ObjectOld: base.DeepCopy(), ObjectNew: updated})).To(Equal(tc.want))
		})
	}
	g := NewWithT(t)
	g.Expect(p.Create(event.CreateEvent{Object: base.DeepCopy()})).To(BeTrue())
	g.Expect(p.Delete(event.DeleteEvent{Object: base.DeepCopy()})).To(BeTrue())
}

func TestSeedPredicate(t *testing.T) {
	g := NewWithT(t)
	p := conditionsChanged(seedConditions, gardencorev1beta1.SeedExtensionsReady)
	ready := seedCondition(gardencorev1beta1.SeedExtensionsReady, gardencorev1beta1.ConditionTrue, ReasonAllExtensionsReady, MessageAllExtensionsReady, now)
	gardenlet := seedCondition(gardencorev1beta1.GardenletReady, gardencorev1beta1.ConditionTrue, "r", "m", now)
	gardenletLater := seedCondition(gardencorev1beta1.GardenletReady, gardencorev1beta1.ConditionFalse, "r", "m", now)

	g.Expect(p.Update(event.UpdateEvent{ObjectOld: seedWith(gardenlet, ready), ObjectNew: seedWith(gardenletLater, ready)})).To(BeFalse(), "another condition changed")
	g.Expect(p.Update(event.UpdateEvent{ObjectOld: seedWith(gardenlet, ready), ObjectNew: seedWith(gardenlet)})).To(BeTrue(), "ExtensionsReady went")
	g.Expect(p.Update(event.UpdateEvent{ObjectOld: seedWith(gardenlet), ObjectNew: seedWith(gardenlet, ready)})).To(BeTrue(), "ExtensionsReady came")
}
