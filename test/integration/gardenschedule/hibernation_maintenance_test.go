package gardenschedule_test

import (
	"context"
	"strconv"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// at returns the time of day hh:mm on the 11th of March 2026 (day 0) or days later, UTC.
func at(days, hh, mm int) time.Time {
	return time.Date(2026, 3, 11+days, hh, mm, 0, 0, time.UTC)
}

func newShoot(name string, mutate func(*gardencorev1beta1.Shoot)) *gardencorev1beta1.Shoot {
	shoot := &gardencorev1beta1.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: gardencorev1beta1.ShootSpec{
			CloudProfile: &gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: profileName},
			Region:       "local",
			Provider:     gardencorev1beta1.Provider{Type: "local"},
			Kubernetes:   gardencorev1beta1.Kubernetes{Version: "1.35.1"},
		},
	}
	mutate(shoot)
	return shoot
}

// hibernation returns hibernation settings with one schedule in UTC.
func hibernation(enabled bool, start, end string) *gardencorev1beta1.Hibernation {
	s := gardencorev1beta1.HibernationSchedule{Location: ptr("UTC")}
	if start != "" {
		s.Start = ptr(start)
	}
	if end != "" {
		s.End = ptr(end)
	}
	return &gardencorev1beta1.Hibernation{Enabled: ptr(enabled), Schedules: []gardencorev1beta1.HibernationSchedule{s}}
}

// trigger makes the controllers reconcile shoot by changing a label: they wait for the
// next event with RequeueAfter, which runs on the real clock, not the fake one.
func trigger(ctx context.Context, shoot *gardencorev1beta1.Shoot) {
	GinkgoHelper()
	current := &gardencorev1beta1.Shoot{}
	Expect(c.Get(ctx, client.ObjectKeyFromObject(shoot), current)).To(Succeed())
	patch := client.MergeFrom(current.DeepCopy())
	n, _ := strconv.Atoi(current.Labels["test.hortus.dev/trigger"])
	metav1.SetMetaDataLabel(&current.ObjectMeta, "test.hortus.dev/trigger", strconv.Itoa(n+1))
	Expect(c.Patch(ctx, current, patch)).To(Succeed())
}

// get returns the current state of shoot.
func get(ctx context.Context, shoot *gardencorev1beta1.Shoot) func(Gomega) *gardencorev1beta1.Shoot {
	return func(g Gomega) *gardencorev1beta1.Shoot {
		current := &gardencorev1beta1.Shoot{}
		g.Expect(c.Get(ctx, client.ObjectKeyFromObject(shoot), current)).To(Succeed())
		return current
	}
}

func hibernated(want bool) OmegaMatcher {
	return HaveField("Spec.Hibernation.Enabled", HaveValue(Equal(want)))
}

func triggeredAt(t time.Time) OmegaMatcher {
	return HaveField("Status.LastHibernationTriggerTime", HaveValue(HaveField("Time", BeTemporally("==", t))))
}

// eventReasons returns the reasons of the events on the Shoot named name.
func eventReasons(ctx context.Context, name string) func(Gomega) []string {
	return func(g Gomega) []string {
		events := &corev1.EventList{}
		g.Expect(c.List(ctx, events, client.InNamespace(namespace))).To(Succeed())
		var reasons []string
		for _, e := range events.Items {
			if e.InvolvedObject.Name == name {
				reasons = append(reasons, e.Reason)
			}
		}
		return reasons
	}
}

var _ = Describe("shoot hibernation schedules", func() {
	It("hibernates a shoot at the start and wakes it up at the end", func(ctx context.Context) {
		fakeClock.SetTime(at(0, 10, 0))
		shoot := newShoot("hib-cycle", func(s *gardencorev1beta1.Shoot) {
			s.Spec.Hibernation = hibernation(false, "0 20 * * *", "0 8 * * *")
		})
		Expect(c.Create(ctx, shoot)).To(Succeed())

		By("recording this morning's end, which finds the shoot awake already")
		Eventually(get(ctx, shoot)).Should(And(hibernated(false), triggeredAt(at(0, 8, 0))))

		By("hibernating it after the start at 20:00")
		fakeClock.SetTime(at(0, 20, 1))
		trigger(ctx, shoot)
		Eventually(get(ctx, shoot)).Should(And(hibernated(true), triggeredAt(at(0, 20, 0))))
		Eventually(eventReasons(ctx, shoot.Name)).Should(ContainElement("Hibernating"))

		By("leaving a shoot that the user woke up alone until the next event")
		current := get(ctx, shoot)(Default)
		patch := client.MergeFrom(current.DeepCopy())
		current.Spec.Hibernation.Enabled = ptr(false)
		Expect(c.Patch(ctx, current, patch)).To(Succeed())
		fakeClock.SetTime(at(0, 23, 0))
		trigger(ctx, shoot)
		Consistently(get(ctx, shoot), 2*time.Second).Should(hibernated(false))

		By("waking it up after the end at 08:00, and hibernating it again at 20:00")
		current = get(ctx, shoot)(Default)
		patch = client.MergeFrom(current.DeepCopy())
		current.Spec.Hibernation.Enabled = ptr(true)
		Expect(c.Patch(ctx, current, patch)).To(Succeed())
		fakeClock.SetTime(at(1, 8, 0))
		trigger(ctx, shoot)
		Eventually(get(ctx, shoot)).Should(And(hibernated(false), triggeredAt(at(1, 8, 0))))
		Eventually(eventReasons(ctx, shoot.Name)).Should(ContainElement("WakingUp"))
		fakeClock.SetTime(at(1, 20, 30))
		trigger(ctx, shoot)
		Eventually(get(ctx, shoot)).Should(And(hibernated(true), triggeredAt(at(1, 20, 0))))
	})

	It("catches up a start missed while the controller was down", func(ctx context.Context) {
		fakeClock.SetTime(at(0, 12, 0))
		shoot := newShoot("hib-missed-start", func(s *gardencorev1beta1.Shoot) {
			s.Spec.Hibernation = hibernation(false, "0 10 * * *", "0 6 * * *")
		})
		Expect(c.Create(ctx, shoot)).To(Succeed())
		Eventually(get(ctx, shoot)).Should(And(hibernated(true), triggeredAt(at(0, 10, 0))))
	})

	It("does not catch up a start that a later end has superseded", func(ctx context.Context) {
		fakeClock.SetTime(at(0, 12, 0))
		shoot := newShoot("hib-superseded-start", func(s *gardencorev1beta1.Shoot) {
			s.Spec.Hibernation = hibernation(false, "0 10 * * *", "0 11 * * *")
		})
		Expect(c.Create(ctx, shoot)).To(Succeed())
		Eventually(get(ctx, shoot)).Should(And(hibernated(false), triggeredAt(at(0, 11, 0))))
	})
})

var _ = Describe("shoot maintenance", func() {
	withWindow := func(s *gardencorev1beta1.Shoot) {
		s.Spec.Maintenance = &gardencorev1beta1.Maintenance{
			AutoUpdate: &gardencorev1beta1.MaintenanceAutoUpdate{KubernetesVersion: true},
			TimeWindow: &gardencorev1beta1.MaintenanceTimeWindow{Begin: "220000+0000", End: "230000+0000"},
		}
	}

	It("updates the patch version only inside the time window, once", func(ctx context.Context) {
		fakeClock.SetTime(at(0, 12, 0))
		shoot := newShoot("maint-window", withWindow)
		Expect(c.Create(ctx, shoot)).To(Succeed())

		By("leaving the version alone outside the window")
		trigger(ctx, shoot)
		Consistently(get(ctx, shoot), 2*time.Second).Should(And(
			HaveField("Spec.Kubernetes.Version", Equal("1.35.1")),
			HaveField("Status.LastMaintenance", BeNil()),
		))

		By("moving to the newest patch, not a preview, inside the window")
		fakeClock.SetTime(at(0, 22, 10))
		trigger(ctx, shoot)
		Eventually(get(ctx, shoot)).Should(And(
			HaveField("Spec.Kubernetes.Version", Equal("1.35.4")),
			HaveField("ObjectMeta.Annotations", HaveKeyWithValue(v1beta1constants.GardenerOperation, v1beta1constants.GardenerOperationReconcile)),
			HaveField("Status.LastMaintenance", HaveValue(And(
				HaveField("State", gardencorev1beta1.LastOperationStateSucceeded),
				HaveField("Description", ContainSubstring("1.35.4")),
				HaveField("TriggeredTime.Time", BeTemporally("==", at(0, 22, 10))),
			))),
		))
		Eventually(eventReasons(ctx, shoot.Name)).Should(ContainElement(gardencorev1beta1.ShootEventK8sVersionMaintenance))

		By("not maintaining it twice in the same window")
		fakeClock.SetTime(at(0, 22, 40))
		trigger(ctx, shoot)
		Consistently(get(ctx, shoot), 2*time.Second).Should(
			HaveField("Status.LastMaintenance.TriggeredTime.Time", BeTemporally("==", at(0, 22, 10))))

		By("maintaining it again in the next day's window")
		fakeClock.SetTime(at(1, 22, 5))
		trigger(ctx, shoot)
		Eventually(get(ctx, shoot)).Should(
			HaveField("Status.LastMaintenance.TriggeredTime.Time", BeTemporally("==", at(1, 22, 5))))
	})

	It("maintains a shoot at once on gardener.cloud/operation=maintain", func(ctx context.Context) {
		fakeClock.SetTime(at(0, 12, 0))
		shoot := newShoot("maint-now", withWindow)
		shoot.Annotations = map[string]string{v1beta1constants.GardenerOperation: v1beta1constants.ShootOperationMaintain}
		Expect(c.Create(ctx, shoot)).To(Succeed())
		Eventually(get(ctx, shoot)).Should(And(
			HaveField("Spec.Kubernetes.Version", Equal("1.35.4")),
			HaveField("ObjectMeta.Annotations", HaveKeyWithValue(v1beta1constants.GardenerOperation, v1beta1constants.GardenerOperationReconcile)),
			HaveField("Status.LastMaintenance.TriggeredTime.Time", BeTemporally("==", at(0, 12, 0))),
		))
	})
})
