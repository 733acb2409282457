package backupentry_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/hortus-dev/hortus/extensions/provider-local/controller/backupbucket"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller/backupentry"
	"github.com/hortus-dev/hortus/extensions/provider-local/providerstatus"
)

// TestBucketAndEntry covers both controllers: the entry lives in the bucket's directory,
// and the bucket cannot go before its entries.
func TestBucketAndEntry(t *testing.T) {
	g := NewWithT(t)
	ctx, log := context.Background(), logr.Discard()
	dir := t.TempDir()
	s := runtime.NewScheme()
	g.Expect(extensionsv1alpha1.AddToScheme(s)).To(Succeed())
	g.Expect(corev1.AddToScheme(s)).To(Succeed())
	bb := &extensionsv1alpha1.BackupBucket{ObjectMeta: metav1.ObjectMeta{Name: "seed-uid"}, Spec: extensionsv1alpha1.BackupBucketSpec{
		SecretRef: corev1.SecretReference{Namespace: "garden", Name: "backup"},
	}}
	be := &extensionsv1alpha1.BackupEntry{ObjectMeta: metav1.ObjectMeta{Name: "shoot--p--s--uid"}, Spec: extensionsv1alpha1.BackupEntrySpec{BucketName: "seed-uid"}}
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(bb, be).WithStatusSubresource(bb, be).Build()
	buckets := &backupbucket.Actuator{Client: c, Dir: dir}
	entries := &backupentry.Actuator{Client: c, Dir: dir}

	g.Expect(entries.Reconcile(ctx, log, be, nil)).To(MatchError(ContainSubstring("the BackupBucket seed-uid must be reconciled first")))

	g.Expect(buckets.Reconcile(ctx, log, bb, nil)).To(Succeed())
	bucketDir := filepath.Join(dir, "seed-uid")
	g.Expect(bucketDir).To(BeADirectory())
	gotBucket := &extensionsv1alpha1.BackupBucket{}
	g.Expect(c.Get(ctx, client.ObjectKeyFromObject(bb), gotBucket)).To(Succeed())
	g.Expect(gotBucket.Status.GeneratedSecretRef).To(Equal(&corev1.SecretReference{Namespace: "garden", Name: "generated-bucket-seed-uid"}))
	bucketStatus := &providerstatus.BackupBucketStatus{}
	g.Expect(providerstatus.Decode(gotBucket.Status.ProviderStatus, bucketStatus)).To(Succeed())
	g.Expect(bucketStatus.Path).To(Equal(bucketDir))
	secret := &corev1.Secret{}
	g.Expect(c.Get(ctx, client.ObjectKey{Namespace: "garden", Name: "generated-bucket-seed-uid"}, secret)).To(Succeed())
	g.Expect(secret.Data).To(HaveKeyWithValue(backupbucket.SecretKeyPath, []byte(bucketDir)))

	g.Expect(entries.Reconcile(ctx, log, be, nil)).To(Succeed())
	entryDir := filepath.Join(bucketDir, "shoot--p--s--uid")
	g.Expect(entryDir).To(BeADirectory())
	gotEntry := &extensionsv1alpha1.BackupEntry{}
	g.Expect(c.Get(ctx, client.ObjectKeyFromObject(be), gotEntry)).To(Succeed())
	entryStatus := &providerstatus.BackupEntryStatus{}
	g.Expect(providerstatus.Decode(gotEntry.Status.ProviderStatus, entryStatus)).To(Succeed())
	g.Expect(entryStatus.Path).To(Equal(entryDir))
	g.Expect(os.WriteFile(filepath.Join(entryDir, "full-snapshot"), []byte("etcd"), 0o600)).To(Succeed())

	g.Expect(buckets.Delete(ctx, log, bb, nil)).To(MatchError(ContainSubstring("still holds the entries shoot--p--s--uid")))
	g.Expect(bucketDir).To(BeADirectory())

	g.Expect(entries.Delete(ctx, log, be, nil)).To(Succeed())
	g.Expect(entryDir).NotTo(BeAnExistingFile())
	g.Expect(buckets.Delete(ctx, log, bb, nil)).To(Succeed())
	g.Expect(bucketDir).NotTo(BeAnExistingFile())
	g.Expect(apierrors.IsNotFound(c.Get(ctx, client.ObjectKeyFromObject(secret), secret))).To(BeTrue())
	g.Expect(buckets.Delete(ctx, log, bb, nil)).To(Succeed(), "deleting twice")
}

func TestPath(t *testing.T) {
	g := NewWithT(t)
	for _, bad := range [][2]string{{"..", "e"}, {"b", ".."}, {"a/b", "e"}, {"b", ""}} {
		_, err := backupentry.Path("/backups", bad[0], bad[1])
		g.Expect(err).To(HaveOccurred(), "bucket %q entry %q", bad[0], bad[1])
	}
	p, err := backupentry.Path("/backups", "b", "e")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(p).To(Equal("/backups/b/e"))
}
