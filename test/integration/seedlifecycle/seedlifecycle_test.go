package seedlifecycle_test

import (
	"context"
	"strconv"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/controllermanager/controller/seedlifecycle"
)

// shootConditionTypes and shootConstraintTypes are what a gardenlet reports on a
// workerless shoot.
var (
	shootConditionTypes = []gardencorev1beta1.ConditionType{
		gardencorev1beta1.ShootAPIServerAvailable, gardencorev1beta1.ShootControlPlaneHealthy,
		gardencorev1beta1.ShootObservabilityComponentsHealthy, gardencorev1beta1.ShootSystemComponentsHealthy,
	}
	shootConstraintTypes = []gardencorev1beta1.ConditionType{
		gardencorev1beta1.ShootHibernationPossible, gardencorev1beta1.ShootMaintenancePreconditionsSatisfied,
	}
)

func createSeed(ctx context.Context, name string) *gardencorev1beta1.Seed {
	GinkgoHelper()
	seed := &gardencorev1beta1.Seed{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: gardencorev1beta1.SeedSpec{
			Provider: gardencorev1beta1.SeedProvider{Type: "local", Region: "local"},
			Networks: gardencorev1beta1.SeedNetworks{Pods: "10.1.0.0/16", Services: "10.2.0.0/16"},
		},
	}
	Expect(c.Create(ctx, seed)).To(Succeed())
	return seed
}

// createShoot creates a workerless shoot, scheduled onto seed.
func createShoot(ctx context.Context, name, seed string) *gardencorev1beta1.Shoot {
	GinkgoHelper()
	shoot := &gardencorev1beta1.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: gardencorev1beta1.ShootSpec{
			CloudProfile: &gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: profileName},
			Region:       "local",
			SeedName:     ptr.To(seed),
			Provider:     gardencorev1beta1.Provider{Type: "local"},
			Kubernetes:   gardencorev1beta1.Kubernetes{Version: "1.36.3"},
		},
	}
	Expect(c.Create(ctx, shoot)).To(Succeed())
	return shoot
}

// renewLease renews the Lease of the gardenlet of seed at the fake clock's time, as the
// gardenlet does.
func renewLease(ctx context.Context, seed string) {
	GinkgoHelper()
	renew := ptr.To(metav1.NewMicroTime(fakeClock.Now()))
	lease := &coordinationv1.Lease{}
	err := c.Get(ctx, client.ObjectKey{Namespace: gardencorev1beta1.GardenerSeedLeaseNamespace, Name: seed}, lease)
	if apierrors.IsNotFound(err) {
		lease = &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Namespace: gardencorev1beta1.GardenerSeedLeaseNamespace, Name: seed},
			Spec:       coordinationv1.LeaseSpec{HolderIdentity: ptr.To(seed), LeaseDurationSeconds: ptr.To[int32](2), RenewTime: renew},
		}
		Expect(c.Create(ctx, lease)).To(Succeed())
		return
	}
	Expect(err).NotTo(HaveOccurred())
	lease.Spec.RenewTime = renew
	Expect(c.Update(ctx, lease)).To(Succeed())
}

func condition(t gardencorev1beta1.ConditionType, status gardencorev1beta1.ConditionStatus) gardencorev1beta1.Condition {
	now := metav1.NewTime(fakeClock.Now())
	return gardencorev1beta1.Condition{Type: t, Status: status, Reason: "Reported", Message: "reported by the test acting as gardenlet", LastTransitionTime: now, LastUpdateTime: now}
}

// reportSeedReady reports GardenletReady True on seed, as its gardenlet does.
func reportSeedReady(ctx context.Context, name string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		seed := &gardencorev1beta1.Seed{}
		g.Expect(c.Get(ctx, client.ObjectKey{Name: name}, seed)).To(Succeed())
		seed.Status.Conditions = []gardencorev1beta1.Condition{condition(gardencorev1beta1.GardenletReady, gardencorev1beta1.ConditionTrue)}
		g.Expect(c.Status().Update(ctx, seed)).To(Succeed())
	}).Should(Succeed())
}

// reportShoot reports a successful reconciliation of shoot on its seed, and its
// conditions and constraints with status, as the gardenlet does.
func reportShoot(ctx context.Context, shoot *gardencorev1beta1.Shoot, status gardencorev1beta1.ConditionStatus) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		current := &gardencorev1beta1.Shoot{}
		g.Expect(c.Get(ctx, client.ObjectKeyFromObject(shoot), current)).To(Succeed())
		current.Status.SeedName = current.Spec.SeedName
		current.Status.LastOperation = &gardencorev1beta1.LastOperation{
			Type: gardencorev1beta1.LastOperationTypeReconcile, State: gardencorev1beta1.LastOperationStateSucceeded,
			Progress: 100, Description: "reconciled", LastUpdateTime: metav1.NewTime(fakeClock.Now()),
		}
		current.Status.Conditions, current.Status.Constraints = nil, nil
		for _, t := range shootConditionTypes {
			current.Status.Conditions = append(current.Status.Conditions, condition(t, status))
		}
		for _, t := range shootConstraintTypes {
			current.Status.Constraints = append(current.Status.Constraints, condition(t, status))
		}
		g.Expect(c.Status().Update(ctx, current)).To(Succeed())
	}).Should(Succeed())
}

// trigger makes the seed lifecycle controller reconcile seed by changing a label: it
// waits with RequeueAfter, which runs on the real clock, not the fake one.
func trigger(ctx context.Context, name string) {
	GinkgoHelper()
	seed := &gardencorev1beta1.Seed{}
	Expect(c.Get(ctx, client.ObjectKey{Name: name}, seed)).To(Succeed())
	patch := client.MergeFrom(seed.DeepCopy())
	n, _ := strconv.Atoi(seed.Labels["test.hortus.dev/trigger"])
	metav1.SetMetaDataLabel(&seed.ObjectMeta, "test.hortus.dev/trigger", strconv.Itoa(n+1))
	Expect(c.Patch(ctx, seed, patch)).To(Succeed())
}

func getSeed(ctx context.Context, name string) func(Gomega) *gardencorev1beta1.Seed {
	return func(g Gomega) *gardencorev1beta1.Seed {
		seed := &gardencorev1beta1.Seed{}
		g.Expect(c.Get(ctx, client.ObjectKey{Name: name}, seed)).To(Succeed())
		return seed
	}
}

func getShoot(ctx context.Context, shoot *gardencorev1beta1.Shoot) func(Gomega) *gardencorev1beta1.Shoot {
	return func(g Gomega) *gardencorev1beta1.Shoot {
		current := &gardencorev1beta1.Shoot{}
		g.Expect(c.Get(ctx, client.ObjectKeyFromObject(shoot), current)).To(Succeed())
		return current
	}
}

func gardenletReady(status gardencorev1beta1.ConditionStatus, reason string) OmegaMatcher {
	return HaveField("Status.Conditions", ContainElement(And(
		HaveField("Type", gardencorev1beta1.GardenletReady),
		HaveField("Status", status),
		HaveField("Reason", reason),
	)))
}

// allConditions matches a shoot whose conditions and constraints all have status and
// reason; there are as many as the gardenlet reports.
func allConditions(status gardencorev1beta1.ConditionStatus, reason string) OmegaMatcher {
	each := HaveEach(And(HaveField("Status", status), HaveField("Reason", reason)))
	return And(
		HaveField("Status.Conditions", And(HaveLen(len(shootConditionTypes)), each)),
		HaveField("Status.Constraints", And(HaveLen(len(shootConstraintTypes)), each)),
	)
}

func statusLabel(value string) OmegaMatcher {
	return HaveField("ObjectMeta.Labels", HaveKeyWithValue(v1beta1constants.ShootStatus, value))
}

var _ = Describe("seed lifecycle", func() {
	It("marks a seed, then its shoots, Unknown when the gardenlet's lease goes stale, until the gardenlet is back", func(ctx context.Context) {
		start := fakeClock.Now()
		createSeed(ctx, "life")
		renewLease(ctx, "life")
		reportSeedReady(ctx, "life")
		// A seed whose gardenlet never reported (no conditions, no lease) is left alone.
		createSeed(ctx, "never-reported")
		shoot := createShoot(ctx, "on-life", "life")
		reportShoot(ctx, shoot, gardencorev1beta1.ConditionTrue)
		bystander := createShoot(ctx, "on-never-reported", "never-reported")
		reportShoot(ctx, bystander, gardencorev1beta1.ConditionTrue)
		Eventually(getShoot(ctx, shoot)).Should(statusLabel("healthy"))
		Eventually(getShoot(ctx, bystander)).Should(statusLabel("healthy"))

		By("leaving a seed with a fresh lease alone")
		fakeClock.SetTime(start.Add(monitorPeriod - time.Second))
		trigger(ctx, "life")
		trigger(ctx, "never-reported")
		Consistently(getSeed(ctx, "life"), 2*time.Second).Should(gardenletReady(gardencorev1beta1.ConditionTrue, "Reported"))

		By("marking GardenletReady Unknown once the lease is older than the monitor period")
		staleAt := start.Add(monitorPeriod + time.Second)
		fakeClock.SetTime(staleAt)
		trigger(ctx, "life")
		Eventually(getSeed(ctx, "life")).Should(And(
			gardenletReady(gardencorev1beta1.ConditionUnknown, seedlifecycle.ReasonSeedStatusUnknown),
			HaveField("Status.Conditions", ContainElement(HaveField("Message",
				"Gardenlet stopped posting seed status (lease renewed at "+start.UTC().Format(time.RFC3339)+")."))),
		))

		By("leaving the shoots alone during the shoot monitor period")
		fakeClock.SetTime(staleAt.Add(shootMonitorPeriod - time.Second))
		trigger(ctx, "life")
		Consistently(getShoot(ctx, shoot), 2*time.Second).Should(And(allConditions(gardencorev1beta1.ConditionTrue, "Reported"), statusLabel("healthy")))

		By("marking the shoots' conditions and constraints Unknown after it")
		fakeClock.SetTime(staleAt.Add(shootMonitorPeriod + time.Second))
		trigger(ctx, "life")
		Eventually(getShoot(ctx, shoot)).Should(And(
			allConditions(gardencorev1beta1.ConditionUnknown, seedlifecycle.ReasonShootStatusUnknown),
			HaveField("Status.Conditions", HaveEach(HaveField("Message", ContainSubstring("seed life")))),
			statusLabel("unknown"),
		))
		trigger(ctx, "never-reported")
		Consistently(getShoot(ctx, bystander), 2*time.Second).Should(And(allConditions(gardencorev1beta1.ConditionTrue, "Reported"), statusLabel("healthy")))
		Expect(getSeed(ctx, "never-reported")(Default).Status.Conditions).To(BeEmpty())

		By("staying out of the way once the gardenlet renews its lease and reports again")
		back := staleAt.Add(shootMonitorPeriod + time.Minute)
		fakeClock.SetTime(back)
		renewLease(ctx, "life")
		reportSeedReady(ctx, "life")
		reportShoot(ctx, shoot, gardencorev1beta1.ConditionTrue)
		Eventually(getShoot(ctx, shoot)).Should(statusLabel("healthy"))
		fakeClock.SetTime(back.Add(monitorPeriod - time.Second))
		trigger(ctx, "life")
		Consistently(getSeed(ctx, "life"), 2*time.Second).Should(gardenletReady(gardencorev1beta1.ConditionTrue, "Reported"))
		Consistently(getShoot(ctx, shoot), 2*time.Second).Should(And(allConditions(gardencorev1beta1.ConditionTrue, "Reported"), statusLabel("healthy")))
	})
})

var _ = Describe("shoot status label", func() {
	It("follows the conditions of the shoot", func(ctx context.Context) {
		createSeed(ctx, "label")
		shoot := createShoot(ctx, "labelled", "label")

		By("calling a shoot that was never reconciled healthy")
		Eventually(getShoot(ctx, shoot)).Should(statusLabel("healthy"))

		for _, step := range []struct {
			status gardencorev1beta1.ConditionStatus
			label  string
		}{
			{gardencorev1beta1.ConditionFalse, "unhealthy"},
			{gardencorev1beta1.ConditionProgressing, "progressing"},
			{gardencorev1beta1.ConditionUnknown, "unknown"},
			{gardencorev1beta1.ConditionTrue, "healthy"},
		} {
			By("labelling a shoot with conditions " + string(step.status) + " " + step.label)
			reportShoot(ctx, shoot, step.status)
			Eventually(getShoot(ctx, shoot)).Should(statusLabel(step.label))
		}

		By("calling a failed reconciliation unhealthy, whatever the conditions")
		Eventually(func(g Gomega) {
			current := getShoot(ctx, shoot)(g)
			current.Status.LastOperation.State = gardencorev1beta1.LastOperationStateFailed
			g.Expect(c.Status().Update(ctx, current)).To(Succeed())
		}).Should(Succeed())
		Eventually(getShoot(ctx, shoot)).Should(statusLabel("unhealthy"))
	})
})
