package backup_test

import (
	"context"
	"os"
	"path/filepath"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/extensions/pkg/backupentry"
)

// the Seed, as registered by the gardenlet.
func getSeed(ctx context.Context) *gardencorev1beta1.Seed {
	GinkgoHelper()
	s := &gardencorev1beta1.Seed{}
	Eventually(func() error { return gardenClient.Get(ctx, client.ObjectKey{Name: seedName}, s) }).Should(Succeed())
	return s
}

// succeeded matches a core BackupBucket or BackupEntry whose last operation succeeded for
// its generation.
func succeeded() OmegaMatcher {
	return And(
		HaveField("Status.LastOperation", HaveField("State", gardencorev1beta1.LastOperationStateSucceeded)),
		HaveField("Status.LastError", BeNil()),
		WithTransform(func(o client.Object) bool {
			switch o := o.(type) {
			case *gardencorev1beta1.BackupBucket:
				return o.Status.ObservedGeneration == o.Generation
			case *gardencorev1beta1.BackupEntry:
				return o.Status.ObservedGeneration == o.Generation
			}
			return false
		}, BeTrue()),
	)
}

func get[T client.Object](ctx context.Context, c client.Client, key client.ObjectKey, obj T) func(Gomega) T {
	return func(g Gomega) T {
		g.Expect(c.Get(ctx, key, obj)).To(Succeed())
		return obj
	}
}

func gone(ctx context.Context, c client.Client, key client.ObjectKey, obj client.Object) func() bool {
	return func() bool { return apierrors.IsNotFound(c.Get(ctx, key, obj)) }
}

var _ = Describe("the seed's BackupBucket", func() {
	It("is reconciled by the extension in the seed, and its generated Secret copied to the garden", func(ctx context.Context) {
		bucketName := string(getSeed(ctx).UID)
		bucketKey := client.ObjectKey{Name: bucketName}

		By("the core BackupBucket succeeds")
		Eventually(get(ctx, gardenClient, bucketKey, &gardencorev1beta1.BackupBucket{})).Should(And(
			succeeded(),
			HaveField("Finalizers", ContainElement("gardener")),
			HaveField("Status.GeneratedSecretRef", Equal(&corev1.SecretReference{Namespace: "garden", Name: "generated-bucket-" + bucketName})),
			HaveField("Status.ProviderStatus", Not(BeNil())),
		))

		By("the extension BackupBucket in the seed refers to the copied credentials")
		ext := &extensionsv1alpha1.BackupBucket{}
		Expect(seedClient.Get(ctx, bucketKey, ext)).To(Succeed())
		Expect(ext.Spec.Type).To(Equal("local"))
		Expect(ext.Spec.Region).To(Equal("local"))
		Expect(ext.Spec.SecretRef).To(Equal(corev1.SecretReference{Namespace: "garden", Name: "bucket-" + bucketName}))
		Expect(seedClient.Get(ctx, client.ObjectKey{Namespace: "garden", Name: "bucket-" + bucketName}, &corev1.Secret{})).To(Succeed())
		Expect(filepath.Join(backupDir, bucketName)).To(BeADirectory())

		By("the generated Secret is in the garden, with the bucket's directory")
		generated := &corev1.Secret{}
		Expect(gardenClient.Get(ctx, client.ObjectKey{Namespace: "garden", Name: "generated-bucket-" + bucketName}, generated)).To(Succeed())
		Expect(generated.Data).To(HaveKeyWithValue("path", []byte(filepath.Join(backupDir, bucketName))))

		By("the seed reports BackupBucketsReady")
		Eventually(func(g Gomega) {
			s := getSeed(ctx)
			g.Expect(s.Status.Conditions).To(ContainElement(And(
				HaveField("Type", gardencorev1beta1.SeedBackupBucketsReady), HaveField("Status", gardencorev1beta1.ConditionTrue),
			)))
		}).Should(Succeed())
	})
})

var _ = Describe("a shoot's BackupEntry", func() {
	var (
		bucketName  string
		technicalID string
		entryKey    client.ObjectKey
		entryDir    string
		locationKey client.ObjectKey
	)

	// createEntry creates a BackupEntry for a shoot with a new technical ID, as the shoot
	// flow would, and the shoot namespace in the seed first when withNamespace is set.
	createEntry := func(ctx context.Context, withNamespace bool) {
		GinkgoHelper()
		bucketName = string(getSeed(ctx).UID)
		Eventually(get(ctx, gardenClient, client.ObjectKey{Name: bucketName}, &gardencorev1beta1.BackupBucket{})).Should(succeeded())

		technicalID = "shoot--backup--" + rand.String(5)
		if withNamespace {
			Expect(seedClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: technicalID}})).To(Succeed())
		}
		entryKey = client.ObjectKey{Namespace: projectNamespace, Name: backupentry.EntryName(technicalID, "3f1e0c2a-uid")}
		entryDir = filepath.Join(backupDir, bucketName, entryKey.Name)
		locationKey = client.ObjectKey{Namespace: technicalID, Name: backupentry.SecretName}
		Expect(gardenClient.Create(ctx, &gardencorev1beta1.BackupEntry{
			ObjectMeta: metav1.ObjectMeta{Namespace: entryKey.Namespace, Name: entryKey.Name},
			Spec:       gardencorev1beta1.BackupEntrySpec{BucketName: bucketName, SeedName: ptr.To(seedName)},
		})).To(Succeed())
	}

	It("publishes the backup location in the shoot namespace, and takes it and the backups away on deletion", func(ctx context.Context) {
		createEntry(ctx, true)

		By("the core BackupEntry succeeds")
		Eventually(get(ctx, gardenClient, entryKey, &gardencorev1beta1.BackupEntry{})).Should(And(
			succeeded(),
			HaveField("Finalizers", ContainElement("gardener")),
			HaveField("Status.SeedName", Equal(ptr.To(seedName))),
		))

		By("the extension BackupEntry exists in the seed, in the bucket, with the copied credentials")
		ext := &extensionsv1alpha1.BackupEntry{}
		Expect(seedClient.Get(ctx, client.ObjectKey{Name: entryKey.Name}, ext)).To(Succeed())
		Expect(ext.Spec.BucketName).To(Equal(bucketName))
		Expect(ext.Spec.Type).To(Equal("local"))
		Expect(ext.Spec.SecretRef).To(Equal(corev1.SecretReference{Namespace: "garden", Name: "entry-" + entryKey.Name}))
		copied := &corev1.Secret{}
		Expect(seedClient.Get(ctx, client.ObjectKey{Namespace: "garden", Name: "entry-" + entryKey.Name}, copied)).To(Succeed())
		Expect(copied.Data).To(HaveKeyWithValue("path", []byte(filepath.Join(backupDir, bucketName))), "the bucket's generated Secret")
		Expect(entryDir).To(BeADirectory())

		By("the Secret etcd-backup in the shoot namespace says where the backups go")
		Eventually(func(g Gomega) {
			secret := &corev1.Secret{}
			g.Expect(seedClient.Get(ctx, locationKey, secret)).To(Succeed())
			g.Expect(secret.Labels).To(HaveKeyWithValue(backupentry.LabelPurpose, backupentry.PurposeEtcdBackup))
			location, err := backupentry.LocationFromSecret(secret)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(location).To(Equal(backupentry.Location{Provider: "local", BucketName: bucketName, Path: entryDir}))
		}).Should(Succeed())

		By("a reconcile request on the core object reaches the extension: the Secret comes back")
		Expect(seedClient.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: locationKey.Namespace, Name: locationKey.Name}})).To(Succeed())
		entry := &gardencorev1beta1.BackupEntry{}
		Expect(gardenClient.Get(ctx, entryKey, entry)).To(Succeed())
		patch := client.MergeFrom(entry.DeepCopy())
		metav1.SetMetaDataAnnotation(&entry.ObjectMeta, v1beta1constants.GardenerOperation, v1beta1constants.GardenerOperationReconcile)
		Expect(gardenClient.Patch(ctx, entry, patch)).To(Succeed())
		Eventually(func() error { return seedClient.Get(ctx, locationKey, &corev1.Secret{}) }).Should(Succeed())
		Eventually(get(ctx, gardenClient, entryKey, &gardencorev1beta1.BackupEntry{})).Should(And(
			succeeded(),
			HaveField("ObjectMeta.Annotations", Not(HaveKey(v1beta1constants.GardenerOperation))),
			HaveField("Status.LastOperation.Type", gardencorev1beta1.LastOperationTypeReconcile),
		))

		By("a snapshot in the entry's directory")
		Expect(os.WriteFile(filepath.Join(entryDir, "full-snapshot.db"), []byte("etcd"), 0o600)).To(Succeed())

		By("deleting the core BackupEntry")
		Expect(gardenClient.Delete(ctx, entry)).To(Succeed())
		Eventually(gone(ctx, gardenClient, entryKey, &gardencorev1beta1.BackupEntry{})).Should(BeTrue())
		Expect(gone(ctx, seedClient, client.ObjectKey{Name: entryKey.Name}, &extensionsv1alpha1.BackupEntry{})()).To(BeTrue(), "the extension object is gone first")
		Expect(entryDir).NotTo(BeAnExistingFile(), "the backups are gone")
		Expect(gone(ctx, seedClient, locationKey, &corev1.Secret{})()).To(BeTrue(), "the location Secret is gone")
		Expect(gone(ctx, seedClient, client.ObjectKey{Namespace: "garden", Name: "entry-" + entryKey.Name}, &corev1.Secret{})()).To(BeTrue(), "the copied credentials are gone")
		Expect(filepath.Join(backupDir, bucketName)).To(BeADirectory(), "the bucket stays")
	})

	It("skips the location Secret while the shoot namespace does not exist", func(ctx context.Context) {
		createEntry(ctx, false)
		Eventually(get(ctx, gardenClient, entryKey, &gardencorev1beta1.BackupEntry{})).Should(succeeded())
		Expect(entryDir).To(BeADirectory())
		Expect(gone(ctx, seedClient, locationKey, &corev1.Secret{})()).To(BeTrue())
		Expect(gone(ctx, seedClient, client.ObjectKey{Name: technicalID}, &corev1.Namespace{})()).To(BeTrue(), "nobody created the namespace")

		entry := &gardencorev1beta1.BackupEntry{ObjectMeta: metav1.ObjectMeta{Namespace: entryKey.Namespace, Name: entryKey.Name}}
		Expect(gardenClient.Delete(ctx, entry)).To(Succeed())
		Eventually(gone(ctx, gardenClient, entryKey, &gardencorev1beta1.BackupEntry{})).Should(BeTrue())
		Expect(entryDir).NotTo(BeAnExistingFile())
	})
})
