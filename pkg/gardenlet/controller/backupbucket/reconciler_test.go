package backupbucket_test

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

	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/backupbucket"
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
)

var (
	bucketKey = client.ObjectKey{Name: bucketName}
	request   = reconcile.Request{NamespacedName: bucketKey}
	now       = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
)

type fixture struct {
	r      *backupbucket.Reconciler
	garden client.Client
	seed   client.Client
	clock  *clocktesting.FakeClock
	events *events.FakeRecorder
}

func newBucket() *gardencorev1beta1.BackupBucket {
	return &gardencorev1beta1.BackupBucket{
		ObjectMeta: metav1.ObjectMeta{Name: bucketName, UID: "bucket-uid", Generation: 1},
		Spec: gardencorev1beta1.BackupBucketSpec{
			Provider:       gardencorev1beta1.BackupBucketProvider{Type: "local", Region: "local"},
			CredentialsRef: &corev1.ObjectReference{APIVersion: "v1", Kind: "Secret", Namespace: "garden", Name: "backup-local"},
			SeedName:       ptr.To(seedName),
		},
	}
}

func newFixture(objects ...client.Object) *fixture {
	f := &fixture{clock: clocktesting.NewFakeClock(now), events: events.NewFakeRecorder(100)}
	f.garden = fake.NewClientBuilder().WithScheme(scheme).WithObjects(objects...).
		WithStatusSubresource(&gardencorev1beta1.BackupBucket{}).Build()
	f.seed = fake.NewClientBuilder().WithScheme(scheme).
		WithStatusSubresource(&extensionsv1alpha1.BackupBucket{}).Build()
	f.r = &backupbucket.Reconciler{GardenClient: f.garden, SeedClient: f.seed, SeedName: seedName, Recorder: f.events, Clock: f.clock, AskAgainPeriod: 30 * time.Second}
	return f
}

func (f *fixture) reconcile(g Gomega) (reconcile.Result, error) {
	return f.r.Reconcile(context.Background(), request)
}

func (f *fixture) bucket(g Gomega) *gardencorev1beta1.BackupBucket {
	b := &gardencorev1beta1.BackupBucket{}
	g.Expect(f.garden.Get(context.Background(), bucketKey, b)).To(Succeed())
	return b
}

func (f *fixture) ext(g Gomega) *extensionsv1alpha1.BackupBucket {
	b := &extensionsv1alpha1.BackupBucket{}
	g.Expect(f.seed.Get(context.Background(), bucketKey, b)).To(Succeed())
	return b
}

// extensionReports plays the extension: it takes up the request and reports state, with
// a generated Secret on success.
func (f *fixture) extensionReports(g Gomega, state gardencorev1beta1.LastOperationState, lastErr string) {
	ctx := context.Background()
	ext := f.ext(g)
	ext.Status.LastOperation = &gardencorev1beta1.LastOperation{Type: gardencorev1beta1.LastOperationTypeReconcile, State: state, Progress: 100, Description: "done by the test"}
	ext.Status.ObservedGeneration = ext.Generation
	ext.Status.LastError = nil
	if lastErr != "" {
		ext.Status.LastError = &gardencorev1beta1.LastError{Description: lastErr}
	}
	if state == gardencorev1beta1.LastOperationStateSucceeded {
		ext.Status.ProviderStatus = &runtime.RawExtension{Raw: []byte(`{"path":"/backups/seed-uid"}`)}
		ext.Status.GeneratedSecretRef = &corev1.SecretReference{Namespace: "garden", Name: "generated-bucket-" + bucketName}
		generated := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "garden", Name: "generated-bucket-" + bucketName}, Data: map[string][]byte{"path": []byte("/backups/seed-uid")}}
		g.Expect(client.IgnoreAlreadyExists(f.seed.Create(ctx, generated))).To(Succeed())
	}
	g.Expect(f.seed.Status().Update(ctx, ext)).To(Succeed())
	if state != gardencorev1beta1.LastOperationStateError {
		delete(ext.Annotations, v1beta1constants.GardenerOperation)
		g.Expect(f.seed.Update(ctx, ext)).To(Succeed())
	}
}

func credentials(data string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "garden", Name: "backup-local"}, Data: map[string][]byte{"key": []byte(data)}}
}

func TestLifecycle(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	f := newFixture(newBucket(), credentials("v1"))

	// A new bucket: credentials copied, extension object written and asked for.
	res, err := f.reconcile(g)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.RequeueAfter).To(Equal(30*time.Second), "waits with RequeueAfter")
	bucket := f.bucket(g)
	g.Expect(bucket.Finalizers).To(ConsistOf(backupbucket.Finalizer))
	g.Expect(bucket.Status.LastOperation).To(HaveField("State", gardencorev1beta1.LastOperationStateProcessing))
	g.Expect(bucket.Status.LastOperation).To(HaveField("Type", gardencorev1beta1.LastOperationTypeCreate))
	g.Expect(bucket.Status.ObservedGeneration).To(BeZero(), "observed only with an outcome")
	g.Expect(f.seed.Get(ctx, client.ObjectKey{Name: "garden"}, &corev1.Namespace{})).To(Succeed(), "the seed namespace is created")
	copied := &corev1.Secret{}
	g.Expect(f.seed.Get(ctx, client.ObjectKey{Namespace: "garden", Name: "bucket-" + bucketName}, copied)).To(Succeed())
	g.Expect(copied.Data).To(HaveKeyWithValue("key", []byte("v1")))
	ext := f.ext(g)
	g.Expect(ext.Spec.Type).To(Equal("local"))
	g.Expect(ext.Spec.Region).To(Equal("local"))
	g.Expect(ext.Spec.SecretRef).To(Equal(corev1.SecretReference{Namespace: "garden", Name: "bucket-" + bucketName}))
	g.Expect(ext.Annotations).To(HaveKeyWithValue(v1beta1constants.GardenerOperation, v1beta1constants.GardenerOperationReconcile))
	g.Expect(ext.Annotations).To(HaveKeyWithValue(v1beta1constants.GardenerTimestamp, now.Format(time.RFC3339Nano)))
	g.Expect(f.events.Events).To(Receive(ContainSubstring("Reconciling")))

	// Waiting: nothing is written again before the ask-again period.
	_, err = f.reconcile(g)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.ext(g).Annotations).To(HaveKeyWithValue(v1beta1constants.GardenerTimestamp, now.Format(time.RFC3339Nano)))
	f.clock.Step(31 * time.Second)
	_, err = f.reconcile(g)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.ext(g).Annotations).To(HaveKeyWithValue(v1beta1constants.GardenerTimestamp, f.clock.Now().Format(time.RFC3339Nano)), "asked again")

	// Success: status mirrored, the generated Secret copied into the garden.
	f.extensionReports(g, gardencorev1beta1.LastOperationStateSucceeded, "")
	res, err = f.reconcile(g)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res).To(Equal(reconcile.Result{}))
	bucket = f.bucket(g)
	g.Expect(bucket.Status.LastOperation).To(And(HaveField("State", gardencorev1beta1.LastOperationStateSucceeded), HaveField("Progress", int32(100))))
	g.Expect(bucket.Status.LastError).To(BeNil())
	g.Expect(bucket.Status.ObservedGeneration).To(Equal(int64(1)))
	g.Expect(bucket.Status.ProviderStatus).NotTo(BeNil())
	g.Expect(bucket.Status.GeneratedSecretRef).To(Equal(&corev1.SecretReference{Namespace: "garden", Name: "generated-bucket-" + bucketName}))
	generated := &corev1.Secret{}
	g.Expect(f.garden.Get(ctx, client.ObjectKey{Namespace: "garden", Name: "generated-bucket-" + bucketName}, generated)).To(Succeed())
	g.Expect(generated.Data).To(HaveKeyWithValue("path", []byte("/backups/seed-uid")))
	g.Expect(generated.OwnerReferences).To(ConsistOf(HaveField("UID", bucket.UID)))

	// Nothing changed: the extension is not asked again.
	rv := f.ext(g).ResourceVersion
	_, err = f.reconcile(g)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.ext(g).ResourceVersion).To(Equal(rv))

	// New credentials: copied, and the extension is asked again.
	creds := credentials("v2")
	g.Expect(f.garden.Update(ctx, creds)).To(Succeed())
	_, err = f.reconcile(g)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.seed.Get(ctx, client.ObjectKey{Namespace: "garden", Name: "bucket-" + bucketName}, copied)).To(Succeed())
	g.Expect(copied.Data).To(HaveKeyWithValue("key", []byte("v2")))
	g.Expect(f.ext(g).Annotations).To(HaveKey(v1beta1constants.GardenerOperation))
	g.Expect(f.bucket(g).Status.LastOperation).To(And(
		HaveField("Type", gardencorev1beta1.LastOperationTypeReconcile), HaveField("State", gardencorev1beta1.LastOperationStateProcessing)))

	// The extension's error is mirrored.
	f.extensionReports(g, gardencorev1beta1.LastOperationStateError, "disk full")
	_, err = f.reconcile(g)
	g.Expect(err).NotTo(HaveOccurred())
	bucket = f.bucket(g)
	g.Expect(bucket.Status.LastOperation).To(HaveField("State", gardencorev1beta1.LastOperationStateError))
	g.Expect(bucket.Status.LastError).To(HaveField("Description", ContainSubstring("disk full")))

	// A reconcile request on the core object is passed on and removed.
	f.extensionReports(g, gardencorev1beta1.LastOperationStateSucceeded, "")
	_, err = f.reconcile(g)
	g.Expect(err).NotTo(HaveOccurred())
	bucket = f.bucket(g)
	g.Expect(bucket.Status.LastError).To(BeNil())
	patch := client.MergeFrom(bucket.DeepCopy())
	metav1.SetMetaDataAnnotation(&bucket.ObjectMeta, v1beta1constants.GardenerOperation, v1beta1constants.GardenerOperationReconcile)
	g.Expect(f.garden.Patch(ctx, bucket, patch)).To(Succeed())
	_, err = f.reconcile(g)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.bucket(g).Annotations).NotTo(HaveKey(v1beta1constants.GardenerOperation))
	g.Expect(f.ext(g).Annotations).To(HaveKey(v1beta1constants.GardenerOperation))
	f.extensionReports(g, gardencorev1beta1.LastOperationStateSucceeded, "")
	_, err = f.reconcile(g)
	g.Expect(err).NotTo(HaveOccurred())

	// Deletion waits for the entries.
	entry := &gardencorev1beta1.BackupEntry{
		ObjectMeta: metav1.ObjectMeta{Namespace: "garden-local", Name: "shoot--local--s--uid"},
		Spec:       gardencorev1beta1.BackupEntrySpec{BucketName: bucketName, SeedName: ptr.To(seedName)},
	}
	g.Expect(f.garden.Create(ctx, entry)).To(Succeed())
	g.Expect(f.garden.Delete(ctx, f.bucket(g))).To(Succeed())
	res, err = f.reconcile(g)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.RequeueAfter).NotTo(BeZero())
	g.Expect(f.bucket(g).Status.LastOperation).To(And(
		HaveField("Type", gardencorev1beta1.LastOperationTypeDelete),
		HaveField("Description", ContainSubstring("BackupEntries garden-local/shoot--local--s--uid")),
	))
	g.Expect(f.ext(g).DeletionTimestamp).To(BeNil(), "the extension object stays while entries use the bucket")

	// Without entries the extension object goes, then the copies and the finalizer.
	g.Expect(f.garden.Delete(ctx, entry)).To(Succeed())
	ext = f.ext(g)
	ext.Finalizers = []string{"extensions.gardener.cloud/local"}
	g.Expect(f.seed.Update(ctx, ext)).To(Succeed())
	_, err = f.reconcile(g)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.ext(g).DeletionTimestamp).NotTo(BeNil())
	_, err = f.reconcile(g)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.bucket(g).Finalizers).To(ConsistOf(backupbucket.Finalizer), "waits until the extension object is gone")

	ext = f.ext(g)
	ext.Finalizers = nil
	g.Expect(f.seed.Update(ctx, ext)).To(Succeed())
	_, err = f.reconcile(g)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(apierrors.IsNotFound(f.garden.Get(ctx, bucketKey, &gardencorev1beta1.BackupBucket{}))).To(BeTrue(), "the finalizer is gone")
	g.Expect(apierrors.IsNotFound(f.seed.Get(ctx, client.ObjectKey{Namespace: "garden", Name: "bucket-" + bucketName}, &corev1.Secret{}))).To(BeTrue())
	g.Expect(apierrors.IsNotFound(f.garden.Get(ctx, client.ObjectKey{Namespace: "garden", Name: "generated-bucket-" + bucketName}, &corev1.Secret{}))).To(BeTrue())
}

func TestReconcileErrors(t *testing.T) {
	tests := []struct {
		name      string
		mutate    func(b *gardencorev1beta1.BackupBucket)
		noSecret  bool
		wantState gardencorev1beta1.LastOperationState
		wantErr   string
	}{
		{
			name:      "credentials of another kind",
			mutate:    func(b *gardencorev1beta1.BackupBucket) { b.Spec.CredentialsRef.Kind = "WorkloadIdentity" },
			wantState: gardencorev1beta1.LastOperationStateFailed,
			wantErr:   "Hortus supports only Secrets",
		},
		{
			name:      "no credentials",
			mutate:    func(b *gardencorev1beta1.BackupBucket) { b.Spec.CredentialsRef = nil },
			wantState: gardencorev1beta1.LastOperationStateFailed,
			wantErr:   "spec.credentialsRef is not set",
		},
		{
			name:      "credentials Secret missing",
			noSecret:  true,
			wantState: gardencorev1beta1.LastOperationStateError,
			wantErr:   "the credentials Secret garden/backup-local of spec.credentialsRef does not exist in the garden: create it",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			bucket := newBucket()
			if tt.mutate != nil {
				tt.mutate(bucket)
			}
			objects := []client.Object{bucket}
			if !tt.noSecret {
				objects = append(objects, credentials("v1"))
			}
			f := newFixture(objects...)
			_, err := f.reconcile(g)
			g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
			got := f.bucket(g)
			g.Expect(got.Status.LastOperation).To(HaveField("State", tt.wantState))
			g.Expect(got.Status.LastError).To(HaveField("Description", ContainSubstring(tt.wantErr)))
			g.Expect(apierrors.IsNotFound(f.seed.Get(context.Background(), bucketKey, &extensionsv1alpha1.BackupBucket{}))).To(BeTrue(), "no extension object")
		})
	}
}

func TestOtherSeed(t *testing.T) {
	g := NewWithT(t)
	bucket := newBucket()
	bucket.Spec.SeedName = ptr.To("other")
	f := newFixture(bucket, credentials("v1"))
	res, err := f.reconcile(g)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res).To(Equal(reconcile.Result{}))
	g.Expect(f.bucket(g).Finalizers).To(BeEmpty())
	g.Expect(apierrors.IsNotFound(f.seed.Get(context.Background(), bucketKey, &extensionsv1alpha1.BackupBucket{}))).To(BeTrue())
}
