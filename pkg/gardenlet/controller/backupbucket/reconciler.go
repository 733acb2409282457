package backupbucket

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/backupbucket/extobject"
)

// Finalizer is the finalizer the gardenlet keeps on a BackupBucket until its extension
// BackupBucket is gone, as Gardener's gardenlet does.
const Finalizer = "gardener"

// SeedNamespace is the namespace in the seed cluster that holds the copies of the buckets'
// credentials, which the extension BackupBuckets refer to.
const SeedNamespace = v1beta1constants.GardenNamespace

// GardenNamespace is the namespace in the garden that holds the copies of the Secrets that
// the extensions generate for buckets (status.generatedSecretRef).
const GardenNamespace = v1beta1constants.GardenNamespace

// CredentialsSecretName is the Secret in SeedNamespace with the credentials of bucket.
func CredentialsSecretName(bucket string) string { return "bucket-" + bucket }

// GeneratedSecretName is the Secret in GardenNamespace with the copy of the Secret that
// the extension generated for bucket.
func GeneratedSecretName(bucket string) string { return "generated-bucket-" + bucket }

// Reasons of the Events the controller records on BackupBuckets.
const (
	EventReconciling    = "Reconciling"
	EventReconciled     = "Reconciled"
	EventReconcileError = "ReconcileError"
	EventDeleting       = "Deleting"
	EventDeleted        = "Deleted"
	EventDeleteError    = "DeleteError"
)

// Reconciler reconciles the core BackupBuckets whose spec.seedName is SeedName. For each it
//
//  1. keeps the finalizer Finalizer;
//  2. copies the Secret of spec.credentialsRef from the garden into the seed as
//     SeedNamespace/CredentialsSecretName;
//  3. writes the extension BackupBucket of the same name into the seed (type, region,
//     providerConfig, secretRef to that Secret) and asks its extension to reconcile it
//     (gardener.cloud/operation=reconcile) when it is new, its spec or credentials
//     changed, or the core object carries gardener.cloud/operation=reconcile;
//  4. reports the extension's outcome in the core object's status: lastOperation,
//     lastError, and on success observedGeneration, providerStatus and
//     generatedSecretRef, which refers to a copy of the extension's generated Secret in
//     the garden (GardenNamespace/GeneratedSecretName).
//
// It waits by watching the extension objects and with RequeueAfter, never in a loop;
// while it waits it asks the extension again every AskAgainPeriod. On deletion it waits
// until no BackupEntry of the seed refers to the bucket, deletes the extension object,
// waits until it is gone, deletes the copied Secrets and removes the finalizer.
type Reconciler struct {
	// GardenClient reads BackupBuckets and BackupEntries (the manager's cache holds the
	// seed's) and Secrets, and writes BackupBuckets, their status and the Secrets in
	// GardenNamespace. Defaults to the manager's client.
	GardenClient client.Client
	// SeedClient reads and writes the extension BackupBuckets, Secrets and the namespace
	// SeedNamespace in the seed cluster. It should not be cached.
	SeedClient client.Client
	// SeedCache is a cache of the seed cluster; the controller watches extension
	// BackupBuckets through it.
	SeedCache cache.Cache
	// SeedName is the gardenlet's seed.
	SeedName string
	// Recorder records Events on BackupBuckets. Defaults to the manager's.
	Recorder events.EventRecorder
	// Clock stamps the status. Defaults to the real clock.
	Clock clock.Clock
	// AskAgainPeriod is how long to wait for the extension before asking again. Defaults
	// to extobject.DefaultAskAgainPeriod.
	AskAgainPeriod time.Duration
	// ConcurrentSyncs is how many buckets are reconciled at once; default 1.
	ConcurrentSyncs int
}

// Reconcile reconciles or deletes the BackupBucket of req.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	bucket := &gardencorev1beta1.BackupBucket{}
	if err := r.GardenClient.Get(ctx, req.NamespacedName, bucket); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if ptr.Deref(bucket.Spec.SeedName, "") != r.SeedName {
		return reconcile.Result{}, nil
	}
	if bucket.DeletionTimestamp != nil {
		if !controllerutil.ContainsFinalizer(bucket, Finalizer) {
			return reconcile.Result{}, nil
		}
		return r.delete(ctx, bucket)
	}
	if !controllerutil.ContainsFinalizer(bucket, Finalizer) {
		patch := client.MergeFrom(bucket.DeepCopy())
		controllerutil.AddFinalizer(bucket, Finalizer)
		if err := r.GardenClient.Patch(ctx, bucket, patch); err != nil {
			return reconcile.Result{}, fmt.Errorf("adding the finalizer %s: %w", Finalizer, err)
		}
	}
	return r.reconcile(ctx, bucket)
}

// desiredSpec is the spec of the extension BackupBucket of bucket.
func desiredSpec(bucket *gardencorev1beta1.BackupBucket) extensionsv1alpha1.BackupBucketSpec {
	return extensionsv1alpha1.BackupBucketSpec{
		DefaultSpec: extensionsv1alpha1.DefaultSpec{Type: bucket.Spec.Provider.Type, ProviderConfig: bucket.Spec.ProviderConfig},
		Region:      bucket.Spec.Provider.Region,
		SecretRef:   corev1.SecretReference{Namespace: SeedNamespace, Name: CredentialsSecretName(bucket.Name)},
	}
}

func (r *Reconciler) reconcile(ctx context.Context, bucket *gardencorev1beta1.BackupBucket) (reconcile.Result, error) {
	log := logf.FromContext(ctx)
	opType := extobject.OperationType(bucket.Status.LastOperation)

	credentials, err := r.credentials(ctx, bucket)
	if err != nil {
		return r.failed(ctx, bucket, opType, err)
	}
	if err := extobject.EnsureNamespace(ctx, r.SeedClient, SeedNamespace); err != nil {
		return r.failed(ctx, bucket, opType, err)
	}
	copied, err := extobject.CopySecret(ctx, r.SeedClient, client.ObjectKey{Namespace: SeedNamespace, Name: CredentialsSecretName(bucket.Name)}, credentials, nil)
	if err != nil {
		return r.failed(ctx, bucket, opType, fmt.Errorf("copying the credentials into the seed: %w", err))
	}

	ext := &extensionsv1alpha1.BackupBucket{ObjectMeta: metav1.ObjectMeta{Name: bucket.Name}}
	exists := true
	if err := r.SeedClient.Get(ctx, client.ObjectKeyFromObject(ext), ext); err != nil {
		if !apierrors.IsNotFound(err) {
			return r.failed(ctx, bucket, opType, fmt.Errorf("reading the extension BackupBucket in the seed: %w", err))
		}
		exists = false
	}
	desired := desiredSpec(bucket)
	var why string
	switch {
	case !exists:
		why = "new"
	case !extobject.SpecEqual(ext.Spec, desired):
		why = "spec changed"
	case copied == controllerutil.OperationResultUpdated:
		why = "credentials changed"
	case bucket.Annotations[v1beta1constants.GardenerOperation] == v1beta1constants.GardenerOperationReconcile:
		why = "reconcile requested"
	}
	if why != "" {
		return r.request(ctx, bucket, ext, desired, opType, why)
	}

	out := extobject.Observe(ext)
	if !out.Done() {
		if asked, err := extobject.AskAgain(ctx, r.SeedClient, ext, r.Clock.Now(), r.AskAgainPeriod); err != nil {
			log.Error(err, "Asking the extension again failed")
		} else if asked {
			log.Info("Asked the extension again", "backupBucket", client.ObjectKeyFromObject(ext))
		}
	}
	var generatedRef *corev1.SecretReference
	if out.State == gardencorev1beta1.LastOperationStateSucceeded {
		if generatedRef, err = r.syncGeneratedSecret(ctx, bucket, ext); err != nil {
			return r.failed(ctx, bucket, opType, err)
		}
	}
	before := bucket.Status.LastOperation
	if err := r.patchStatus(ctx, bucket, func(s *gardencorev1beta1.BackupBucketStatus) {
		s.LastOperation = extobject.LastOperation(s.LastOperation, opType, out, r.Clock.Now())
		s.LastError = extobject.LastError(s.LastError, out.LastError, r.Clock.Now())
		if out.Done() || out.State == gardencorev1beta1.LastOperationStateError {
			s.ObservedGeneration = bucket.Generation
		}
		if out.State == gardencorev1beta1.LastOperationStateSucceeded {
			s.ProviderStatus = ext.Status.ProviderStatus
			s.GeneratedSecretRef = generatedRef
		}
	}); err != nil {
		return reconcile.Result{}, err
	}
	if changed := before == nil || before.State != out.State; changed {
		switch out.State {
		case gardencorev1beta1.LastOperationStateSucceeded:
			log.Info("BackupBucket reconciled")
			r.Recorder.Eventf(bucket, nil, corev1.EventTypeNormal, EventReconciled, "Reconcile", "%s", out.Description)
		case gardencorev1beta1.LastOperationStateError, gardencorev1beta1.LastOperationStateFailed:
			log.Info("Extension reports an error", "state", out.State, "description", out.Description)
			r.Recorder.Eventf(bucket, nil, corev1.EventTypeWarning, EventReconcileError, "Reconcile", "%s", out.Description)
		}
	}
	if out.Done() {
		return reconcile.Result{}, nil
	}
	return reconcile.Result{RequeueAfter: r.AskAgainPeriod}, nil
}

// request writes the extension BackupBucket with the reconcile request. The core
// object's status says Processing before its reconcile annotation goes, so that whoever
// waits for the annotation to go does not take the previous outcome for the new one.
func (r *Reconciler) request(ctx context.Context, bucket *gardencorev1beta1.BackupBucket, ext *extensionsv1alpha1.BackupBucket, desired extensionsv1alpha1.BackupBucketSpec, opType gardencorev1beta1.LastOperationType, why string) (reconcile.Result, error) {
	log := logf.FromContext(ctx)
	out := extobject.Outcome{State: gardencorev1beta1.LastOperationStateProcessing, Description: "Asked the extension to reconcile the BackupBucket " + bucket.Name + " in the seed."}
	if err := r.patchStatus(ctx, bucket, func(s *gardencorev1beta1.BackupBucketStatus) {
		s.LastOperation = extobject.LastOperation(s.LastOperation, opType, out, r.Clock.Now())
	}); err != nil {
		return reconcile.Result{}, err
	}
	if bucket.Annotations[v1beta1constants.GardenerOperation] == v1beta1constants.GardenerOperationReconcile {
		patch := client.MergeFrom(bucket.DeepCopy())
		delete(bucket.Annotations, v1beta1constants.GardenerOperation)
		if err := r.GardenClient.Patch(ctx, bucket, patch); err != nil {
			return reconcile.Result{}, fmt.Errorf("removing the annotation %s: %w", v1beta1constants.GardenerOperation, err)
		}
	}
	if err := extobject.Request(ctx, r.SeedClient, ext, r.Clock.Now(), func() { ext.Spec = desired }); err != nil {
		return r.failed(ctx, bucket, opType, err)
	}
	log.Info("Asked the extension to reconcile the BackupBucket", "reason", why, "type", desired.Type)
	r.Recorder.Eventf(bucket, nil, corev1.EventTypeNormal, EventReconciling, "Reconcile", "Asked the extension of type %s to reconcile the BackupBucket in the seed (%s)", desired.Type, why)
	return reconcile.Result{RequeueAfter: r.AskAgainPeriod}, nil
}

// credentials returns the data of the Secret that spec.credentialsRef names in the
// garden. The local provider's Secret may be empty.
func (r *Reconciler) credentials(ctx context.Context, bucket *gardencorev1beta1.BackupBucket) (map[string][]byte, error) {
	ref := bucket.Spec.CredentialsRef
	if ref == nil {
		return nil, reconcile.TerminalError(errors.New("spec.credentialsRef is not set: the seed's spec.backup.credentialsRef must name a Secret"))
	}
	if ref.Kind != "Secret" || (ref.APIVersion != "v1" && ref.APIVersion != "") {
		return nil, reconcile.TerminalError(fmt.Errorf("spec.credentialsRef refers to a %s %s; Hortus supports only Secrets (apiVersion v1, kind Secret)", ref.APIVersion, ref.Kind))
	}
	key := client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}
	secret := &corev1.Secret{}
	if err := r.GardenClient.Get(ctx, key, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("the credentials Secret %s of spec.credentialsRef does not exist in the garden: create it (it may be empty for provider local)", key)
		}
		return nil, fmt.Errorf("reading the credentials Secret %s: %w", key, err)
	}
	return secret.Data, nil
}

// syncGeneratedSecret copies the Secret that the extension generated in the seed into the
// garden, and returns the reference to the copy; nil when the extension generated none.
func (r *Reconciler) syncGeneratedSecret(ctx context.Context, bucket *gardencorev1beta1.BackupBucket, ext *extensionsv1alpha1.BackupBucket) (*corev1.SecretReference, error) {
	ref := ext.Status.GeneratedSecretRef
	if ref == nil {
		return nil, nil
	}
	generated := &corev1.Secret{}
	if err := r.SeedClient.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, generated); err != nil {
		return nil, fmt.Errorf("reading the generated Secret %s/%s of the extension BackupBucket in the seed: %w", ref.Namespace, ref.Name, err)
	}
	key := client.ObjectKey{Namespace: GardenNamespace, Name: GeneratedSecretName(bucket.Name)}
	owner := metav1.OwnerReference{
		APIVersion: gardencorev1beta1.SchemeGroupVersion.String(), Kind: "BackupBucket",
		Name: bucket.Name, UID: bucket.UID, Controller: ptr.To(true),
	}
	if _, err := extobject.CopySecret(ctx, r.GardenClient, key, generated.Data, func(s *corev1.Secret) {
		if !hasOwner(s.OwnerReferences, bucket.UID) {
			s.OwnerReferences = append(s.OwnerReferences, owner)
		}
	}); err != nil {
		return nil, fmt.Errorf("copying the generated Secret into the garden (namespace %s must exist): %w", GardenNamespace, err)
	}
	return &corev1.SecretReference{Namespace: key.Namespace, Name: key.Name}, nil
}

func hasOwner(refs []metav1.OwnerReference, uid types.UID) bool {
	for _, ref := range refs {
		if ref.UID == uid {
			return true
		}
	}
	return false
}

// failed records err as the last error with state Error (Failed for a terminal error)
// and returns it for the back-off; a terminal error is not retried.
func (r *Reconciler) failed(ctx context.Context, bucket *gardencorev1beta1.BackupBucket, opType gardencorev1beta1.LastOperationType, err error) (reconcile.Result, error) {
	state := gardencorev1beta1.LastOperationStateError
	if errors.Is(err, reconcile.TerminalError(nil)) {
		state = gardencorev1beta1.LastOperationStateFailed
	}
	desc := err.Error()
	out := extobject.Outcome{State: state, Description: desc, LastError: &gardencorev1beta1.LastError{Description: desc}}
	patchErr := r.patchStatus(ctx, bucket, func(s *gardencorev1beta1.BackupBucketStatus) {
		s.LastOperation = extobject.LastOperation(s.LastOperation, opType, out, r.Clock.Now())
		s.LastError = extobject.LastError(s.LastError, out.LastError, r.Clock.Now())
	})
	r.Recorder.Eventf(bucket, nil, corev1.EventTypeWarning, eventError(opType), string(opType), "%s", desc)
	return reconcile.Result{}, errors.Join(err, patchErr)
}

func eventError(opType gardencorev1beta1.LastOperationType) string {
	if opType == gardencorev1beta1.LastOperationTypeDelete {
		return EventDeleteError
	}
	return EventReconcileError
}

// patchStatus changes the status of bucket with mutate and writes it when it changed.
func (r *Reconciler) patchStatus(ctx context.Context, bucket *gardencorev1beta1.BackupBucket, mutate func(*gardencorev1beta1.BackupBucketStatus)) error {
	before := bucket.DeepCopy()
	mutate(&bucket.Status)
	if equality.Semantic.DeepEqual(before.Status, bucket.Status) {
		return nil
	}
	if err := r.GardenClient.Status().Patch(ctx, bucket, client.MergeFrom(before)); err != nil {
		return fmt.Errorf("writing the status of BackupBucket %s: %w", bucket.Name, err)
	}
	return nil
}

// delete removes the extension BackupBucket, then the copied Secrets, then the finalizer,
// once no BackupEntry refers to the bucket any more.
func (r *Reconciler) delete(ctx context.Context, bucket *gardencorev1beta1.BackupBucket) (reconcile.Result, error) {
	log := logf.FromContext(ctx)
	opType := gardencorev1beta1.LastOperationTypeDelete
	processing := func(out extobject.Outcome) (reconcile.Result, error) {
		err := r.patchStatus(ctx, bucket, func(s *gardencorev1beta1.BackupBucketStatus) {
			s.LastOperation = extobject.LastOperation(s.LastOperation, opType, out, r.Clock.Now())
			s.LastError = extobject.LastError(s.LastError, out.LastError, r.Clock.Now())
		})
		return reconcile.Result{RequeueAfter: r.AskAgainPeriod}, err
	}

	entries, err := r.entriesOf(ctx, bucket.Name)
	if err != nil {
		return r.failed(ctx, bucket, opType, err)
	}
	if len(entries) > 0 {
		log.Info("BackupBucket is still in use, waiting", "backupEntries", entries)
		return processing(extobject.Outcome{
			State:       gardencorev1beta1.LastOperationStateProcessing,
			Description: fmt.Sprintf("Waiting until the BackupEntries %s that use the bucket are deleted.", strings.Join(entries, ", ")),
		})
	}

	ext := &extensionsv1alpha1.BackupBucket{ObjectMeta: metav1.ObjectMeta{Name: bucket.Name}}
	err = r.SeedClient.Get(ctx, client.ObjectKeyFromObject(ext), ext)
	switch {
	case err == nil && ext.DeletionTimestamp == nil:
		if err := r.SeedClient.Delete(ctx, ext); client.IgnoreNotFound(err) != nil {
			return r.failed(ctx, bucket, opType, fmt.Errorf("deleting the extension BackupBucket in the seed: %w", err))
		}
		log.Info("Deleting the extension BackupBucket")
		r.Recorder.Eventf(bucket, nil, corev1.EventTypeNormal, EventDeleting, "Delete", "Deleting the extension BackupBucket in the seed")
		return processing(extobject.ObserveDeletion(&extensionsv1alpha1.BackupBucket{ObjectMeta: ext.ObjectMeta}))
	case err == nil:
		return processing(extobject.ObserveDeletion(ext))
	case !apierrors.IsNotFound(err):
		return r.failed(ctx, bucket, opType, fmt.Errorf("reading the extension BackupBucket in the seed: %w", err))
	}

	if err := errors.Join(
		extobject.DeleteSecret(ctx, r.SeedClient, client.ObjectKey{Namespace: SeedNamespace, Name: CredentialsSecretName(bucket.Name)}),
		extobject.DeleteSecret(ctx, r.GardenClient, client.ObjectKey{Namespace: GardenNamespace, Name: GeneratedSecretName(bucket.Name)}),
	); err != nil {
		return r.failed(ctx, bucket, opType, err)
	}
	patch := client.MergeFrom(bucket.DeepCopy())
	controllerutil.RemoveFinalizer(bucket, Finalizer)
	if err := r.GardenClient.Patch(ctx, bucket, patch); client.IgnoreNotFound(err) != nil {
		return reconcile.Result{}, fmt.Errorf("removing the finalizer %s: %w", Finalizer, err)
	}
	log.Info("BackupBucket deleted")
	r.Recorder.Eventf(bucket, nil, corev1.EventTypeNormal, EventDeleted, "Delete", "Deleted the extension BackupBucket and the copied Secrets")
	return reconcile.Result{}, nil
}

// entriesOf lists the BackupEntries (namespace/name) that refer to bucket.
func (r *Reconciler) entriesOf(ctx context.Context, bucket string) ([]string, error) {
	list := &gardencorev1beta1.BackupEntryList{}
	if err := r.GardenClient.List(ctx, list); err != nil {
		return nil, fmt.Errorf("listing the BackupEntries: %w", err)
	}
	var out []string
	for _, e := range list.Items {
		if e.Spec.BucketName == bucket {
			out = append(out, e.Namespace+"/"+e.Name)
		}
	}
	sort.Strings(out)
	return out, nil
}
