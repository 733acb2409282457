package backupentry_test

import (
	"context"
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/backupentry"
)

var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(gardencorev1beta1.AddToScheme(s))
	utilruntime.Must(extensionsv1alpha1.AddToScheme(s))
	return s
}()

const (
	seedName   = "local"
	bucketName = "seed-uid"
	entryName  = "shoot--local--s--shoot-uid"
)

var (
	entryKey = client.ObjectKey{Namespace: "garden-local", Name: entryName}
	request  = reconcile.Request{NamespacedName: entryKey}
	now      = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
)

type fixture struct {
	r      *backupentry.Reconciler
	garden client.Client
	seed   client.Client
	clock  *clocktesting.FakeClock
}

// readyBucket is a reconciled BackupBucket, with a generated Secret when generated is set.
func readyBucket(generated bool) *gardencorev1beta1.BackupBucket {
	b := &gardencorev1beta1.BackupBucket{
		ObjectMeta: metav1.ObjectMeta{Name: bucketName, Generation: 1},
		Spec: gardencorev1beta1.BackupBucketSpec{
			Provider:       gardencorev1beta1.BackupBucketProvider{Type: "local", Region: "local"},
			CredentialsRef: &corev1.ObjectReference{APIVersion: "v1", Kind: "Secret", Namespace: "garden", Name: "backup-local"},
			SeedName:       ptr.To(seedName),
		},
	}
	b.Status.ObservedGeneration = 1
	b.Status.LastOperation = &gardencorev1beta1.LastOperation{Type: gardencorev1beta1.LastOperationTypeCreate, State: gardencorev1beta1.LastOperationStateSucceeded}
	b.Status.ProviderStatus = &runtime.RawExtension{Raw: []byte(`{"path":"/backups/seed-uid"}`)}
	if generated {
		b.Status.GeneratedSecretRef = &corev1.SecretReference{Namespace: "garden", Name: "generated-bucket-" + bucketName}
	}
	return b
}

func newEntry() *gardencorev1beta1.BackupEntry {
	return &gardencorev1beta1.BackupEntry{
		ObjectMeta: metav1.ObjectMeta{Namespace: entryKey.Namespace, Name: entryKey.Name, Generation: 1},
		Spec:       gardencorev1beta1.BackupEntrySpec{BucketName: bucketName, SeedName: ptr.To(seedName)},
	}
}

func secrets() []client.Object {
	return []client.Object{
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "garden", Name: "backup-local"}, Data: map[string][]byte{"from": []byte("credentials")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "garden", Name: "generated-bucket-" + bucketName}, Data: map[string][]byte{"from": []byte("generated")}},
	}
}

func newFixture(objects ...client.Object) *fixture {
	f := &fixture{clock: clocktesting.NewFakeClock(now)}
	f.garden = fake.NewClientBuilder().WithScheme(scheme).WithObjects(objects...).
		WithStatusSubresource(&gardencorev1beta1.BackupEntry{}, &gardencorev1beta1.BackupBucket{}).Build()
	f.seed = fake.NewClientBuilder().WithScheme(scheme).WithStatusSubresource(&extensionsv1alpha1.BackupEntry{}).Build()
	f.r = &backupentry.Reconciler{GardenClient: f.garden, SeedClient: f.seed, SeedName: seedName, Recorder: events.NewFakeRecorder(100), Clock: f.clock, AskAgainPeriod: 30 * time.Second}
	return f
}

func (f *fixture) entry(g Gomega) *gardencorev1beta1.BackupEntry {
	e := &gardencorev1beta1.BackupEntry{}
	g.Expect(f.garden.Get(context.Background(), entryKey, e)).To(Succeed())
	return e
}

func (f *fixture) ext(g Gomega) *extensionsv1alpha1.BackupEntry {
	e := &extensionsv1alpha1.BackupEntry{}
	g.Expect(f.seed.Get(context.Background(), client.ObjectKey{Name: entryName}, e)).To(Succeed())
	return e
}

// extensionSucceeds plays the extension: it takes up the request and reports success.
func (f *fixture) extensionSucceeds(g Gomega) {
	ext := f.ext(g)
	ext.Status.LastOperation = &gardencorev1beta1.LastOperation{Type: gardencorev1beta1.LastOperationTypeCreate, State: gardencorev1beta1.LastOperationStateSucceeded, Progress: 100}
	ext.Status.ObservedGeneration = ext.Generation
	g.Expect(f.seed.Status().Update(context.Background(), ext)).To(Succeed())
	delete(ext.Annotations, v1beta1constants.GardenerOperation)
	g.Expect(f.seed.Update(context.Background(), ext)).To(Succeed())
}

func TestLifecycle(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	f := newFixture(append(secrets(), newEntry(), readyBucket(true))...)

	res, err := f.r.Reconcile(ctx, request)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.RequeueAfter).To(Equal(30 * time.Second))
	entry := f.entry(g)
	g.Expect(entry.Finalizers).To(ConsistOf(backupentry.Finalizer))
	g.Expect(entry.Status.LastOperation).To(And(HaveField("Type", gardencorev1beta1.LastOperationTypeCreate), HaveField("State", gardencorev1beta1.LastOperationStateProcessing)))
	copied := &corev1.Secret{}
	g.Expect(f.seed.Get(ctx, client.ObjectKey{Namespace: "garden", Name: "entry-" + entryName}, copied)).To(Succeed())
	g.Expect(copied.Data).To(HaveKeyWithValue("from", []byte("generated")), "the bucket's generated Secret")
	ext := f.ext(g)
	g.Expect(ext.Spec.Type).To(Equal("local"))
	g.Expect(ext.Spec.Region).To(Equal("local"))
	g.Expect(ext.Spec.BucketName).To(Equal(bucketName))
	g.Expect(ext.Spec.SecretRef).To(Equal(corev1.SecretReference{Namespace: "garden", Name: "entry-" + entryName}))
	g.Expect(ext.Spec.BackupBucketProviderStatus).NotTo(BeNil())
	g.Expect(ext.Annotations).To(HaveKeyWithValue(v1beta1constants.GardenerOperation, v1beta1constants.GardenerOperationReconcile))

	f.extensionSucceeds(g)
	res, err = f.r.Reconcile(ctx, request)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res).To(Equal(reconcile.Result{}))
	entry = f.entry(g)
	g.Expect(entry.Status.LastOperation).To(HaveField("State", gardencorev1beta1.LastOperationStateSucceeded))
	g.Expect(entry.Status.ObservedGeneration).To(Equal(int64(1)))
	g.Expect(entry.Status.SeedName).To(Equal(ptr.To(seedName)))

	// The shoot flow asks again with the annotation: the status says Processing and the
	// extension is asked; the annotation goes.
	patch := client.MergeFrom(entry.DeepCopy())
	metav1.SetMetaDataAnnotation(&entry.ObjectMeta, v1beta1constants.GardenerOperation, v1beta1constants.GardenerOperationReconcile)
	g.Expect(f.garden.Patch(ctx, entry, patch)).To(Succeed())
	_, err = f.r.Reconcile(ctx, request)
	g.Expect(err).NotTo(HaveOccurred())
	entry = f.entry(g)
	g.Expect(entry.Annotations).NotTo(HaveKey(v1beta1constants.GardenerOperation))
	g.Expect(entry.Status.LastOperation).To(And(HaveField("Type", gardencorev1beta1.LastOperationTypeReconcile), HaveField("State", gardencorev1beta1.LastOperationStateProcessing)))
	g.Expect(f.ext(g).Annotations).To(HaveKey(v1beta1constants.GardenerOperation))
	f.extensionSucceeds(g)
	_, err = f.r.Reconcile(ctx, request)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.entry(g).Status.LastOperation).To(HaveField("State", gardencorev1beta1.LastOperationStateSucceeded))

	// Deletion: the extension object goes first, then the Secret and the finalizer.
	ext = f.ext(g)
	ext.Finalizers = []string{"extensions.gardener.cloud/local"}
	g.Expect(f.seed.Update(ctx, ext)).To(Succeed())
	g.Expect(f.garden.Delete(ctx, f.entry(g))).To(Succeed())
	res, err = f.r.Reconcile(ctx, request)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.RequeueAfter).NotTo(BeZero())
	g.Expect(f.ext(g).DeletionTimestamp).NotTo(BeNil())
	g.Expect(f.entry(g).Status.LastOperation).To(And(HaveField("Type", gardencorev1beta1.LastOperationTypeDelete), HaveField("State", gardencorev1beta1.LastOperationStateProcessing)))

	ext = f.ext(g)
	ext.Status.LastError = &gardencorev1beta1.LastError{Description: "directory busy"}
	g.Expect(f.seed.Status().Update(ctx, ext)).To(Succeed())
	_, err = f.r.Reconcile(ctx, request)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.entry(g).Status.LastError).To(HaveField("Description", ContainSubstring("directory busy")))

	ext = f.ext(g)
	ext.Finalizers = nil
	g.Expect(f.seed.Update(ctx, ext)).To(Succeed())
	_, err = f.r.Reconcile(ctx, request)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(apierrors.IsNotFound(f.garden.Get(ctx, entryKey, &gardencorev1beta1.BackupEntry{}))).To(BeTrue(), "the finalizer is gone")
	g.Expect(apierrors.IsNotFound(f.seed.Get(ctx, client.ObjectKey{Namespace: "garden", Name: "entry-" + entryName}, &corev1.Secret{}))).To(BeTrue())
}

func TestWaitsForTheBucket(t *testing.T) {
	notReconciled := readyBucket(false)
	notReconciled.Status.LastOperation.State = gardencorev1beta1.LastOperationStateProcessing
	newGeneration := readyBucket(false)
	newGeneration.Generation = 2
	failing := readyBucket(false)
	failing.Status.LastOperation.State = gardencorev1beta1.LastOperationStateError
	failing.Status.LastError = &gardencorev1beta1.LastError{Description: "no such directory"}
	tests := []struct {
		name      string
		bucket    *gardencorev1beta1.BackupBucket
		wantState gardencorev1beta1.LastOperationState
		wantDesc  string
	}{
		{name: "bucket missing", wantState: gardencorev1beta1.LastOperationStateError, wantDesc: "The BackupBucket seed-uid of spec.bucketName does not exist"},
		{name: "bucket processing", bucket: notReconciled, wantState: gardencorev1beta1.LastOperationStateProcessing, wantDesc: "Waiting until the BackupBucket seed-uid has been reconciled (Create Processing"},
		{name: "bucket at a new generation", bucket: newGeneration, wantState: gardencorev1beta1.LastOperationStateProcessing, wantDesc: "Waiting until the BackupBucket seed-uid has been reconciled"},
		{name: "bucket error", bucket: failing, wantState: gardencorev1beta1.LastOperationStateError, wantDesc: "The BackupBucket seed-uid has an error: no such directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			objects := append(secrets(), newEntry())
			if tt.bucket != nil {
				objects = append(objects, tt.bucket)
			}
			f := newFixture(objects...)
			res, err := f.r.Reconcile(context.Background(), request)
			g.Expect(err).NotTo(HaveOccurred(), "waiting is no error")
			g.Expect(res.RequeueAfter).NotTo(BeZero())
			g.Expect(f.entry(g).Status.LastOperation).To(And(HaveField("State", tt.wantState), HaveField("Description", ContainSubstring(tt.wantDesc))))
			g.Expect(apierrors.IsNotFound(f.seed.Get(context.Background(), client.ObjectKey{Name: entryName}, &extensionsv1alpha1.BackupEntry{}))).To(BeTrue(), "no extension object before the bucket is ready")
		})
	}
}

func TestCredentialsWithoutGeneratedSecret(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(append(secrets(), newEntry(), readyBucket(false))...)
	_, err := f.r.Reconcile(context.Background(), request)
	g.Expect(err).NotTo(HaveOccurred())
	copied := &corev1.Secret{}
	g.Expect(f.seed.Get(context.Background(), client.ObjectKey{Namespace: "garden", Name: "entry-" + entryName}, copied)).To(Succeed())
	g.Expect(copied.Data).To(HaveKeyWithValue("from", []byte("credentials")), "the bucket's credentials")
}
