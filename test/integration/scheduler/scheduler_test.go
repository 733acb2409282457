package scheduler_test

import (
	"context"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/test/testenv"
)

// The landscape of this suite: three seeds in three regions.
//   - eu:   ready, room for exactly one shoot.
//   - us:   ready, tainted "dedicated".
//   - asia: not ready (GardenletReady Unknown).
var _ = Describe("scheduling shoots onto seeds", Ordered, func() {
	var namespace string

	BeforeAll(func(ctx context.Context) {
		Expect(c.Create(ctx, testenv.CloudProfile("sched", "local", []string{"eu", "us", "asia"}))).To(Succeed())
		Expect(c.Create(ctx, testenv.ProviderRegistration("sched-provider-local", "local"))).To(Succeed())

		createSeed(ctx, "eu", nil, 1, gardencorev1beta1.ConditionTrue)
		createSeed(ctx, "us", []gardencorev1beta1.SeedTaint{{Key: "dedicated"}}, 10, gardencorev1beta1.ConditionTrue)
		createSeed(ctx, "asia", nil, 10, gardencorev1beta1.ConditionUnknown)

		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "garden-sched-"}}
		Expect(c.Create(ctx, ns)).To(Succeed())
		namespace = ns.Name
	})

	// Each shoot lands exactly where the rules say; "" means it stays unscheduled.
	DescribeTable("a shoot lands on the seed the rules choose",
		func(ctx context.Context, name, region string, mutate func(*gardencorev1beta1.Shoot), wantSeed string, wantReasons ...string) {
			shoot := newShoot(namespace, name, region)
			if mutate != nil {
				mutate(shoot)
			}
			Expect(c.Create(ctx, shoot)).To(Succeed())
			if wantSeed != "" {
				Eventually(func(g Gomega) *string {
					g.Expect(c.Get(ctx, client.ObjectKeyFromObject(shoot), shoot)).To(Succeed())
					return shoot.Spec.SeedName
				}, 30*time.Second).Should(HaveValue(Equal(wantSeed)))
				return
			}
			// Unschedulable: a warning event explains, seed by seed, why none fits.
			Eventually(func(g Gomega) string {
				events := &corev1.EventList{}
				g.Expect(c.List(ctx, events, client.InNamespace(namespace))).To(Succeed())
				for _, e := range events.Items {
					if e.InvolvedObject.Name == name && e.Reason == "SchedulingFailed" {
						return e.Message
					}
				}
				return ""
			}, 30*time.Second).Should(And(ContainSubstring("eu"), ContainSubstring("us"), ContainSubstring("asia")))
			for _, r := range wantReasons {
				Eventually(func(g Gomega) string {
					events := &corev1.EventList{}
					g.Expect(c.List(ctx, events, client.InNamespace(namespace))).To(Succeed())
					for _, e := range events.Items {
						if e.InvolvedObject.Name == name && e.Reason == "SchedulingFailed" {
							return e.Message
						}
					}
					return ""
				}).Should(ContainSubstring(r))
			}
			Consistently(func(g Gomega) *string {
				g.Expect(c.Get(ctx, client.ObjectKeyFromObject(shoot), shoot)).To(Succeed())
				return shoot.Spec.SeedName
			}, 2*time.Second).Should(BeNil())
		},
		Entry("a shoot in eu goes to the ready seed eu", "eu-1", "eu", nil, "eu"),
		Entry("a second shoot in eu finds eu full", "eu-2", "eu", nil, "", "eu: full (1 of 1 allocatable shoots scheduled)", "asia: not ready (GardenletReady is Unknown)", "us: taint dedicated not tolerated"),
		Entry("a shoot in us does not tolerate the taint", "us-1", "us", nil, "", "us: taint dedicated not tolerated"),
		Entry("a shoot in us that tolerates the taint goes to us", "us-2", "us", func(s *gardencorev1beta1.Shoot) {
			s.Spec.Tolerations = []gardencorev1beta1.Toleration{{Key: "dedicated"}}
		}, "us"),
		Entry("a shoot in asia finds its only seed not ready", "asia-1", "asia", nil, "", "asia: not ready (GardenletReady is Unknown)"),
		Entry("a testing shoot in asia may use another region", "asia-test", "asia", func(s *gardencorev1beta1.Shoot) {
			s.Spec.Purpose = ptr.To(gardencorev1beta1.ShootPurposeTesting)
			s.Spec.Tolerations = []gardencorev1beta1.Toleration{{Key: "dedicated"}}
		}, "us"),
		Entry("a seed selector that matches no seed leaves the shoot unscheduled", "selector", "eu", func(s *gardencorev1beta1.Shoot) {
			s.Spec.SeedSelector = &gardencorev1beta1.SeedSelector{LabelSelector: metav1.LabelSelector{MatchLabels: map[string]string{"tier": "gold"}}}
		}, "", "eu: labels do not match the shoot's seed selector"),
	)
})

func newShoot(namespace, name, region string) *gardencorev1beta1.Shoot {
	return &gardencorev1beta1.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: gardencorev1beta1.ShootSpec{
			CloudProfile: &gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: "sched"},
			Region:       region,
			Provider:     gardencorev1beta1.Provider{Type: "local"},
			Kubernetes:   gardencorev1beta1.Kubernetes{Version: "1.36.3"},
		},
	}
}

func createSeed(ctx context.Context, region string, taints []gardencorev1beta1.SeedTaint, capacity int64, ready gardencorev1beta1.ConditionStatus) {
	GinkgoHelper()
	seed := &gardencorev1beta1.Seed{
		ObjectMeta: metav1.ObjectMeta{Name: region},
		Spec: gardencorev1beta1.SeedSpec{
			Provider: gardencorev1beta1.SeedProvider{Type: "local", Region: region},
			Networks: gardencorev1beta1.SeedNetworks{Pods: "10.1.0.0/16", Services: "10.2.0.0/16"},
			Taints:   taints,
		},
	}
	Expect(c.Create(ctx, seed)).To(Succeed())
	now := metav1.Now()
	seed.Status.Conditions = []gardencorev1beta1.Condition{{
		Type: gardencorev1beta1.GardenletReady, Status: ready, Reason: "Test", Message: "set by the test",
		LastTransitionTime: now, LastUpdateTime: now,
	}}
	seed.Status.Allocatable = corev1.ResourceList{"shoots": *resource.NewQuantity(capacity, resource.DecimalSI)}
	Expect(c.Status().Update(ctx, seed)).To(Succeed())
}
