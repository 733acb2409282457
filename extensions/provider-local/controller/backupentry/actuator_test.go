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

	backupentrycontract "github.com/hortus-dev/hortus/extensions/pkg/backupentry"
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

// TestBackupLocationSecret covers the Secret etcd-backup in the shoot's namespace: written
// when the namespace exists, skipped when it does not, removed with the entry.
func TestBackupLocationSecret(t *testing.T) {
	ctx, log := context.Background(), logr.Discard()
	s := runtime.NewScheme()
	NewWithT(t).Expect(extensionsv1alpha1.AddToScheme(s)).To(Succeed())
	NewWithT(t).Expect(corev1.AddToScheme(s)).To(Succeed())
	// The technical ID contains "--" itself; the UID follows the last "--".
	const (
		namespace = "shoot--local--my-shoot"
		entryName = namespace + "--6f1c5e0a-uid"
	)
	secretKey := client.ObjectKey{Namespace: namespace, Name: backupentrycontract.SecretName}
	newEntry := func() *extensionsv1alpha1.BackupEntry {
		return &extensionsv1alpha1.BackupEntry{ObjectMeta: metav1.ObjectMeta{Name: entryName}, Spec: extensionsv1alpha1.BackupEntrySpec{BucketName: "seed-uid"}}
	}
	tests := []struct {
		name       string
		objects    []client.Object
		wantSecret bool
	}{
		{name: "namespace exists", objects: []client.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}}, wantSecret: true},
		{name: "namespace missing"},
		{name: "secret outdated", objects: []client.Object{
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}},
			&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: backupentrycontract.SecretName}, Data: map[string][]byte{"path": []byte("/old")}},
		}, wantSecret: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			dir := t.TempDir()
			g.Expect(os.MkdirAll(filepath.Join(dir, "seed-uid"), 0o700)).To(Succeed())
			be := newEntry()
			c := fake.NewClientBuilder().WithScheme(s).WithObjects(append(tt.objects, be)...).WithStatusSubresource(be).Build()
			entries := &backupentry.Actuator{Client: c, Dir: dir}

			g.Expect(entries.Reconcile(ctx, log, be, nil)).To(Succeed())
			secret := &corev1.Secret{}
			err := c.Get(ctx, secretKey, secret)
			if !tt.wantSecret {
				g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "no Secret without the namespace: %v", err)
				g.Expect(entries.Delete(ctx, log, be, nil)).To(Succeed())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(secret.Labels).To(HaveKeyWithValue(backupentrycontract.LabelPurpose, backupentrycontract.PurposeEtcdBackup))
			location, err := backupentrycontract.LocationFromSecret(secret)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(location).To(Equal(backupentrycontract.Location{Provider: "local", BucketName: "seed-uid", Path: filepath.Join(dir, "seed-uid", entryName)}))
			g.Expect(filepath.IsAbs(location.Path)).To(BeTrue())

			g.Expect(entries.Delete(ctx, log, be, nil)).To(Succeed())
			g.Expect(apierrors.IsNotFound(c.Get(ctx, secretKey, secret))).To(BeTrue(), "the Secret goes with the entry")
			g.Expect(filepath.Join(dir, "seed-uid", entryName)).NotTo(BeAnExistingFile())
		})
	}
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
