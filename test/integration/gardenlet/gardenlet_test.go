package gardenlet_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/gardenlet/condition"
	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/seed"
	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/shoot"
	"github.com/hortus-dev/hortus/pkg/version"
)

func getSeed(ctx context.Context, name string) func(Gomega) *gardencorev1beta1.Seed {
	return func(g Gomega) *gardencorev1beta1.Seed {
		s := &gardencorev1beta1.Seed{}
		g.Expect(c.Get(ctx, client.ObjectKey{Name: name}, s)).To(Succeed())
		return s
	}
}

// haveCondition matches a Seed with a condition of type t, status and reason.
func haveCondition(t gardencorev1beta1.ConditionType, status gardencorev1beta1.ConditionStatus, reason string) OmegaMatcher {
	return HaveField("Status.Conditions", ContainElement(And(
		HaveField("Type", t), HaveField("Status", status), HaveField("Reason", reason),
	)))
}

func quantity(n int) OmegaMatcher {
	return WithTransform(func(q resource.Quantity) int64 { return q.Value() }, BeEquivalentTo(n))
}

var _ = Describe("seed registration and status", func() {
	It("registers the seed with the labels, annotations and spec of its configuration", func(ctx context.Context) {
		Eventually(getSeed(ctx, seedName)).WithTimeout(30 * time.Second).Should(And(
			HaveField("ObjectMeta.Labels", And(HaveKeyWithValue("base", "local"), HaveKeyWithValue("gardener.cloud/role", "seed"))),
			HaveField("ObjectMeta.Annotations", HaveKeyWithValue("test.hortus.dev/from", "config")),
			HaveField("Spec.Provider", gardencorev1beta1.SeedProvider{Type: "local", Region: "local"}),
			HaveField("Spec.Networks.Pods", "10.1.0.0/16"),
			HaveField("Spec.Backup.Provider", "local"),
		))
	})

	It("reports the status and conditions of the seed", func(ctx context.Context) {
		disc, err := discovery.NewDiscoveryClientForConfig(env.Config)
		Expect(err).NotTo(HaveOccurred())
		serverVersion, err := disc.ServerVersion()
		Expect(err).NotTo(HaveOccurred())
		kubeSystem := &corev1.Namespace{}
		Expect(c.Get(ctx, client.ObjectKey{Name: metav1.NamespaceSystem}, kubeSystem)).To(Succeed())

		Eventually(getSeed(ctx, seedName)).WithTimeout(30 * time.Second).Should(And(
			haveCondition(gardencorev1beta1.GardenletReady, gardencorev1beta1.ConditionTrue, condition.ReasonGardenletReady),
			haveCondition(gardencorev1beta1.SeedSystemComponentsHealthy, gardencorev1beta1.ConditionTrue, seed.ReasonSystemComponentsRunning),
			HaveField("Status.Capacity", HaveKeyWithValue(seed.ResourceShoots, quantity(capacity))),
			HaveField("Status.Allocatable", HaveKeyWithValue(seed.ResourceShoots, quantity(capacity-reserved))),
			HaveField("Status.KubernetesVersion", HaveValue(Equal(serverVersion.GitVersion))),
			HaveField("Status.ClusterIdentity", HaveValue(BeEquivalentTo(kubeSystem.UID))),
			HaveField("Status.Gardener", HaveValue(HaveField("Version", version.Get().GitVersion))),
			WithTransform(func(s *gardencorev1beta1.Seed) bool { return s.Status.ObservedGeneration == s.Generation }, BeTrue()),
		))
		Expect(getSeed(ctx, seedName)(Default).Status.Conditions).NotTo(ContainElement(HaveField("Type", gardencorev1beta1.SeedExtensionsReady)),
			"ExtensionsReady is the controller manager's")

		By("creating the namespace garden in the seed cluster")
		Expect(c.Get(ctx, client.ObjectKey{Name: seed.SeedNamespace}, &corev1.Namespace{})).To(Succeed())

		By("moving lastUpdateTime with every report, and lastTransitionTime only with the status")
		first := condition.Get(getSeed(ctx, seedName)(Default).Status.Conditions, gardencorev1beta1.SeedSystemComponentsHealthy)
		Eventually(func(g Gomega) {
			now := condition.Get(getSeed(ctx, seedName)(g).Status.Conditions, gardencorev1beta1.SeedSystemComponentsHealthy)
			g.Expect(now.LastUpdateTime.Time).To(BeTemporally(">", first.LastUpdateTime.Time))
			g.Expect(now.LastTransitionTime.Time).To(BeTemporally("==", first.LastTransitionTime.Time))
		}).WithTimeout(3 * syncPeriod * 5).Should(Succeed())
	})

	It("keeps the labels of others and owns the spec", func(ctx context.Context) {
		Eventually(getSeed(ctx, seedName)).WithTimeout(30 * time.Second).Should(HaveField("Status.ObservedGeneration", BeNumerically(">", 0)))
		current := getSeed(ctx, seedName)(Default)
		patch := client.MergeFrom(current.DeepCopy())
		metav1.SetMetaDataLabel(&current.ObjectMeta, "test.hortus.dev/other", "kept")
		current.Spec.Taints = []gardencorev1beta1.SeedTaint{{Key: "test.hortus.dev/not-in-config"}}
		Expect(c.Patch(ctx, current, patch)).To(Succeed())
		changed := current.Generation

		Eventually(getSeed(ctx, seedName)).WithTimeout(30 * time.Second).Should(And(
			HaveField("Spec.Taints", BeEmpty()),
			HaveField("Generation", BeNumerically(">", changed)),
			HaveField("ObjectMeta.Labels", And(HaveKeyWithValue("test.hortus.dev/other", "kept"), HaveKeyWithValue("base", "local"))),
		))
	})

	It("keeps a BackupBucket for the seed's backup and reports BackupBucketsReady from it", func(ctx context.Context) {
		s := &gardencorev1beta1.Seed{}
		Eventually(func(g Gomega) {
			g.Expect(c.Get(ctx, client.ObjectKey{Name: seedName}, s)).To(Succeed())
		}).WithTimeout(30 * time.Second).Should(Succeed())
		bucketName := string(s.UID)

		bucket := &gardencorev1beta1.BackupBucket{}
		Eventually(func(g Gomega) {
			g.Expect(c.Get(ctx, client.ObjectKey{Name: bucketName}, bucket)).To(Succeed())
		}).WithTimeout(30 * time.Second).Should(Succeed())
		Expect(bucket.Spec.SeedName).To(Equal(ptr.To(seedName)))
		Expect(bucket.Spec.Provider).To(Equal(gardencorev1beta1.BackupBucketProvider{Type: "local", Region: "local"}))
		Expect(bucket.Spec.CredentialsRef).To(HaveValue(HaveField("Name", "backup")))
		Expect(bucket.OwnerReferences).To(ConsistOf(HaveField("UID", s.UID)))

		Eventually(getSeed(ctx, seedName)).Should(And(
			haveCondition(gardencorev1beta1.SeedBackupBucketsReady, gardencorev1beta1.ConditionUnknown, seed.ReasonBackupBucketsNotReconciled),
			HaveField("Status.Conditions", ContainElement(HaveField("Message", ContainSubstring("BackupBucket "+bucketName+" has not been reconciled yet")))),
		))

		By("reporting a successful reconciliation of the bucket")
		setBucketStatus(ctx, bucketName, gardencorev1beta1.LastOperationStateSucceeded, nil)
		Eventually(getSeed(ctx, seedName)).WithTimeout(30 * time.Second).Should(
			haveCondition(gardencorev1beta1.SeedBackupBucketsReady, gardencorev1beta1.ConditionTrue, seed.ReasonBackupBucketsAvailable))

		By("reporting the bucket's error")
		setBucketStatus(ctx, bucketName, gardencorev1beta1.LastOperationStateError, &gardencorev1beta1.LastError{Description: "access denied"})
		Eventually(getSeed(ctx, seedName)).WithTimeout(30 * time.Second).Should(And(
			haveCondition(gardencorev1beta1.SeedBackupBucketsReady, gardencorev1beta1.ConditionFalse, seed.ReasonBackupBucketsError),
			HaveField("Status.Conditions", ContainElement(HaveField("Message", ContainSubstring("access denied")))),
		))
	})
})

// setBucketStatus reports a reconciliation of the BackupBucket in state, as a backup
// extension would: in the status of the extension BackupBucket in the seed (the same
// cluster here), which the gardenlet's backupbucket controller reports in the core one.
func setBucketStatus(ctx context.Context, name string, state gardencorev1beta1.LastOperationState, lastErr *gardencorev1beta1.LastError) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		bucket := &extensionsv1alpha1.BackupBucket{}
		g.Expect(c.Get(ctx, client.ObjectKey{Name: name}, bucket)).To(Succeed())
		bucket.Status.ObservedGeneration = bucket.Generation
		bucket.Status.LastOperation = &gardencorev1beta1.LastOperation{
			Type: gardencorev1beta1.LastOperationTypeReconcile, State: state, Progress: 100,
			Description: "reconciled by the test", LastUpdateTime: metav1.Now(),
		}
		bucket.Status.LastError = lastErr
		g.Expect(c.Status().Update(ctx, bucket)).To(Succeed())
		if state == gardencorev1beta1.LastOperationStateSucceeded {
			// The extension has done what the gardenlet asked for.
			delete(bucket.Annotations, v1beta1constants.GardenerOperation)
			g.Expect(c.Update(ctx, bucket)).To(Succeed())
		}
	}).WithTimeout(30 * time.Second).Should(Succeed())
}

var _ = Describe("heartbeat", func() {
	It("renews its lease", func(ctx context.Context) {
		lease := &coordinationv1.Lease{}
		key := client.ObjectKey{Namespace: gardencorev1beta1.GardenerSeedLeaseNamespace, Name: seedName}
		Eventually(func(g Gomega) {
			g.Expect(c.Get(ctx, key, lease)).To(Succeed())
		}).WithTimeout(30 * time.Second).Should(Succeed())
		Expect(lease.Spec.HolderIdentity).To(Equal(ptr.To(seedName)))
		Expect(lease.Spec.LeaseDurationSeconds).To(HaveValue(BeNumerically(">", 0)))
		first := lease.Spec.RenewTime.Time

		Eventually(func(g Gomega) time.Time {
			renewed := &coordinationv1.Lease{}
			g.Expect(c.Get(ctx, key, renewed)).To(Succeed())
			return renewed.Spec.RenewTime.Time
		}).WithTimeout(10 * leaseRenewPeriod).Should(BeTemporally(">", first))
	})

	It("sets GardenletReady back to True after the controller manager marked it Unknown", func(ctx context.Context) {
		Eventually(getSeed(ctx, seedName)).WithTimeout(30 * time.Second).Should(
			haveCondition(gardencorev1beta1.GardenletReady, gardencorev1beta1.ConditionTrue, condition.ReasonGardenletReady))
		Eventually(func(g Gomega) {
			s := getSeed(ctx, seedName)(g)
			c0 := condition.Get(s.Status.Conditions, gardencorev1beta1.GardenletReady)
			c0.Status, c0.Reason, c0.Message = gardencorev1beta1.ConditionUnknown, "SeedStatusUnknown", "Gardenlet stopped posting seed status."
			g.Expect(c.Status().Update(ctx, s)).To(Succeed())
		}).WithTimeout(30 * time.Second).Should(Succeed())

		Eventually(getSeed(ctx, seedName)).WithTimeout(10 * leaseRenewPeriod).Should(
			haveCondition(gardencorev1beta1.GardenletReady, gardencorev1beta1.ConditionTrue, condition.ReasonGardenletReady))
	})

	It("serves health probes and metrics", func(ctx context.Context) {
		for _, url := range []string{
			fmt.Sprintf("http://127.0.0.1:%d/healthz", healthPort),
			fmt.Sprintf("http://127.0.0.1:%d/readyz", healthPort),
			fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort),
		} {
			Eventually(func(g Gomega) int {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				g.Expect(err).NotTo(HaveOccurred())
				resp, err := http.DefaultClient.Do(req)
				g.Expect(err).NotTo(HaveOccurred())
				_ = resp.Body.Close()
				return resp.StatusCode
			}).WithTimeout(30*time.Second).Should(Equal(http.StatusOK), url)
		}
	})
})

// newShoot returns a workerless Shoot of the suite's profile, bound to seedName.
func newShoot(name, seedName string) *gardencorev1beta1.Shoot {
	return &gardencorev1beta1.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: gardencorev1beta1.ShootSpec{
			CloudProfile: &gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: profileName},
			Region:       "local",
			SeedName:     ptr.To(seedName),
			Provider:     gardencorev1beta1.Provider{Type: "local"},
			Kubernetes:   gardencorev1beta1.Kubernetes{Version: "1.36.3"},
		},
	}
}

var _ = Describe("shoots", func() {
	It("runs operations for the seed's shoots only: finalizer, technical ID, last operation", func(ctx context.Context) {
		Eventually(getSeed(ctx, seedName)).WithTimeout(30*time.Second).Should(Not(BeNil()), "the gardenlet registers its seed")
		mine := newShoot("mine", seedName)
		Expect(c.Create(ctx, mine)).To(Succeed())
		theirs := newShoot("theirs", otherSeed)
		Expect(c.Create(ctx, theirs)).To(Succeed())

		Eventually(func(g Gomega) {
			got := &gardencorev1beta1.Shoot{}
			g.Expect(c.Get(ctx, client.ObjectKeyFromObject(mine), got)).To(Succeed())
			g.Expect(got.Finalizers).To(ContainElement(shoot.Finalizer))
			g.Expect(got.Status.TechnicalID).To(Equal(shoot.TechnicalID(got)))
			g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
			g.Expect(got.Status.LastOperation).NotTo(BeNil())
			g.Expect(got.Status.LastOperation.Type).To(Equal(gardencorev1beta1.LastOperationTypeCreate))
			g.Expect(got.Status.Gardener.Version).NotTo(BeEmpty())
		}).WithTimeout(30 * time.Second).Should(Succeed())

		Consistently(func(g Gomega) {
			got := &gardencorev1beta1.Shoot{}
			g.Expect(c.Get(ctx, client.ObjectKeyFromObject(theirs), got)).To(Succeed())
			g.Expect(got.Finalizers).NotTo(ContainElement(shoot.Finalizer))
			g.Expect(got.Status.LastOperation).To(BeNil())
		}).WithTimeout(3*time.Second).Should(Succeed(), "another seed's shoot is not this gardenlet's")
	})
})

var _ = Describe("garden RBAC", func() {
	It("lets the gardenlet write its own seed only", func(ctx context.Context) {
		By("reading and patching its own seed")
		Eventually(func(g Gomega) {
			own := &gardencorev1beta1.Seed{}
			g.Expect(gardenletClient.Get(ctx, client.ObjectKey{Name: seedName}, own)).To(Succeed())
			patch := client.MergeFrom(own.DeepCopy())
			metav1.SetMetaDataAnnotation(&own.ObjectMeta, "test.hortus.dev/rbac", "own")
			g.Expect(gardenletClient.Patch(ctx, own, patch)).To(Succeed())
		}).WithTimeout(30 * time.Second).Should(Succeed())

		By("being forbidden to update another seed and its status")
		other := &gardencorev1beta1.Seed{}
		Expect(gardenletClient.Get(ctx, client.ObjectKey{Name: otherSeed}, other)).To(Succeed())
		metav1.SetMetaDataLabel(&other.ObjectMeta, "test.hortus.dev/rbac", "other")
		Expect(gardenletClient.Update(ctx, other)).To(Satisfy(apierrors.IsForbidden))
		other.Status.KubernetesVersion = ptr.To("v0.0.0")
		Expect(gardenletClient.Status().Update(ctx, other)).To(Satisfy(apierrors.IsForbidden))

		By("being forbidden to renew another seed's lease")
		otherLease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: otherSeed, Namespace: gardencorev1beta1.GardenerSeedLeaseNamespace}}
		Expect(c.Create(ctx, otherLease)).To(Succeed())
		otherLease.Spec.HolderIdentity = ptr.To(seedName)
		Expect(gardenletClient.Update(ctx, otherLease)).To(Satisfy(apierrors.IsForbidden))
		Expect(gardenletClient.Get(ctx, client.ObjectKeyFromObject(otherLease), &coordinationv1.Lease{})).To(Satisfy(apierrors.IsForbidden))
	})
})
