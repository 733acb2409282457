package backupentry

import (
	"context"
	"errors"
	"fmt"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

// Finalizer is the finalizer the gardenlet keeps on a BackupEntry until its extension
// BackupEntry is gone, as Gardener's gardenlet does.
const Finalizer = "gardener"

// SeedNamespace is the namespace in the seed cluster that holds the copies of the
// entries' credentials, which the extension BackupEntries refer to.
const SeedNamespace = v1beta1constants.GardenNamespace

// SecretName is the Secret in SeedNamespace with the credentials of entry: its bucket's
// generated Secret, or the bucket's credentials when the extension generated none.
func SecretName(entry string) string { return "entry-" + entry }

// Reasons of the Events the controller records on BackupEntries.
const (
	EventReconciling    = "Reconciling"
	EventReconciled     = "Reconciled"
	EventReconcileError = "ReconcileError"
	EventDeleting       = "Deleting"
	EventDeleted        = "Deleted"
	EventDeleteError    = "DeleteError"
)

// Reconciler reconciles the core BackupEntries whose spec.seedName is SeedName. For each it
//
//  1. keeps the finalizer Finalizer;
//  2. waits until the core BackupBucket of spec.bucketName has been reconciled;
//  3. copies the bucket's generated Secret (status.generatedSecretRef), or its
//     credentials when there is none, from the garden into the seed as
//     SeedNamespace/SecretName;
//  4. writes the extension BackupEntry of the same name into the seed (the bucket's type,
//     region and providerConfig, the bucket's providerStatus, bucketName, secretRef to that
//     Secret) and asks its extension to reconcile it (gardener.cloud/operation=reconcile)
//     when it is new, its spec or credentials changed, or the core object carries
//     gardener.cloud/operation=reconcile (which the controller then removes);
//  5. reports the extension's outcome in the core object's status: lastOperation,
//     lastError, and on success observedGeneration and seedName.
//
// It waits by watching the extension objects and the buckets and with RequeueAfter, never
// in a loop; while it waits it asks the extension again every AskAgainPeriod. On deletion
// it deletes the extension object, waits until it is gone, deletes the copied Secret and
// removes the finalizer.
type Reconciler struct {
	// GardenClient reads BackupEntries and BackupBuckets (the manager's cache holds the
	// seed's) and Secrets, and writes BackupEntries and their status. Defaults to the
	// manager's client.
	GardenClient client.Client
	// SeedClient reads and writes the extension BackupEntries, Secrets and the namespace
	// SeedNamespace in the seed cluster. It should not be cached.
	SeedClient client.Client
	// SeedCache is a cache of the seed cluster; the controller watches extension
	// BackupEntries through it.
	SeedCache cache.Cache
	// SeedName is the gardenlet's seed.
	SeedName string
	// Recorder records Events on BackupEntries. Defaults to the manager's.
	Recorder events.EventRecorder
	// Clock stamps the status. Defaults to the real clock.
	Clock clock.Clock
	// AskAgainPeriod is how long to wait for the extension (or the bucket) before looking
	// again, and asking the extension again. Defaults to extobject.DefaultAskAgainPeriod.
	AskAgainPeriod time.Duration
	// ConcurrentSyncs is how many entries are reconciled at once; default 1.
	ConcurrentSyncs int
}

// Reconcile reconciles or deletes the BackupEntry of req.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	entry := &gardencorev1beta1.BackupEntry{}
	if err := r.GardenClient.Get(ctx, req.NamespacedName, entry); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if ptr.Deref(entry.Spec.SeedName, "") != r.SeedName {
		return reconcile.Result{}, nil
	}
	if entry.DeletionTimestamp != nil {
		if !controllerutil.ContainsFinalizer(entry, Finalizer) {
			return reconcile.Result{}, nil
		}
		return r.delete(ctx, entry)
	}
	if !controllerutil.ContainsFinalizer(entry, Finalizer) {
		patch := client.MergeFrom(entry.DeepCopy())
		controllerutil.AddFinalizer(entry, Finalizer)
		if err := r.GardenClient.Patch(ctx, entry, patch); err != nil {
			return reconcile.Result{}, fmt.Errorf("adding the finalizer %s: %w", Finalizer, err)
		}
	}
	return r.reconcile(ctx, entry)
}

// desiredSpec is the spec of the extension BackupEntry of entry in bucket.
func desiredSpec(entry *gardencorev1beta1.BackupEntry, bucket *gardencorev1beta1.BackupBucket) extensionsv1alpha1.BackupEntrySpec {
	return extensionsv1alpha1.BackupEntrySpec{
		DefaultSpec:                extensionsv1alpha1.DefaultSpec{Type: bucket.Spec.Provider.Type, ProviderConfig: bucket.Spec.ProviderConfig},
		BackupBucketProviderStatus: bucket.Status.ProviderStatus,
		Region:                     bucket.Spec.Provider.Region,
		BucketName:                 entry.Spec.BucketName,
		SecretRef:                  corev1.SecretReference{Namespace: SeedNamespace, Name: SecretName(entry.Name)},
	}
}

// bucketReady says why bucket has not been reconciled for its generation yet, as an
// outcome for the entry, or returns nil when it has.
func bucketReady(bucket *gardencorev1beta1.BackupBucket) *extobject.Outcome {
	op := bucket.Status.LastOperation
	if op != nil && op.State == gardencorev1beta1.LastOperationStateSucceeded && bucket.Status.ObservedGeneration == bucket.Generation {
		return nil
	}
	if e := bucket.Status.LastError; e != nil {
		desc := fmt.Sprintf("The BackupBucket %s has an error: %s", bucket.Name, e.Description)
		return &extobject.Outcome{State: gardencorev1beta1.LastOperationStateError, Description: desc, LastError: &gardencorev1beta1.LastError{Description: desc}}
	}
	desc := fmt.Sprintf("Waiting until the BackupBucket %s has been reconciled.", bucket.Name)
	if op != nil {
		desc = fmt.Sprintf("Waiting until the BackupBucket %s has been reconciled (%s %s: %s).", bucket.Name, op.Type, op.State, op.Description)
	}
	return &extobject.Outcome{State: gardencorev1beta1.LastOperationStateProcessing, Description: desc}
}

func (r *Reconciler) reconcile(ctx context.Context, entry *gardencorev1beta1.BackupEntry) (reconcile.Result, error) {
	log := logf.FromContext(ctx)
	opType := extobject.OperationType(entry.Status.LastOperation)

	bucket := &gardencorev1beta1.BackupBucket{}
	var waiting *extobject.Outcome
	if err := r.GardenClient.Get(ctx, client.ObjectKey{Name: entry.Spec.BucketName}, bucket); err != nil {
		if !apierrors.IsNotFound(err) {
			return r.failed(ctx, entry, opType, fmt.Errorf("reading the BackupBucket %s: %w", entry.Spec.BucketName, err))
		}
		// The watch of BackupBuckets brings the entry back when it appears.
		desc := fmt.Sprintf("The BackupBucket %s of spec.bucketName does not exist (or is not one of seed %s): the seed's gardenlet creates it from the seed's spec.backup.", entry.Spec.BucketName, r.SeedName)
		waiting = &extobject.Outcome{State: gardencorev1beta1.LastOperationStateError, Description: desc, LastError: &gardencorev1beta1.LastError{Description: desc}}
	} else {
		waiting = bucketReady(bucket)
	}
	if waiting != nil {
		log.Info("Waiting for the BackupBucket", "backupBucket", entry.Spec.BucketName, "state", waiting.State)
		if err := r.patchStatus(ctx, entry, func(s *gardencorev1beta1.BackupEntryStatus) {
			s.LastOperation = extobject.LastOperation(s.LastOperation, opType, *waiting, r.Clock.Now())
			s.LastError = extobject.LastError(s.LastError, waiting.LastError, r.Clock.Now())
		}); err != nil {
			return reconcile.Result{}, err
		}
		return reconcile.Result{RequeueAfter: r.AskAgainPeriod}, nil
	}

	credentials, err := r.credentials(ctx, bucket)
	if err != nil {
		return r.failed(ctx, entry, opType, err)
	}
	if err := extobject.EnsureNamespace(ctx, r.SeedClient, SeedNamespace); err != nil {
		return r.failed(ctx, entry, opType, err)
	}
	copied, err := extobject.CopySecret(ctx, r.SeedClient, client.ObjectKey{Namespace: SeedNamespace, Name: SecretName(entry.Name)}, credentials, nil)
	if err != nil {
		return r.failed(ctx, entry, opType, fmt.Errorf("copying the bucket's credentials into the seed: %w", err))
	}

	ext := &extensionsv1alpha1.BackupEntry{ObjectMeta: metav1.ObjectMeta{Name: entry.Name}}
	exists := true
	if err := r.SeedClient.Get(ctx, client.ObjectKeyFromObject(ext), ext); err != nil {
		if !apierrors.IsNotFound(err) {
			return r.failed(ctx, entry, opType, fmt.Errorf("reading the extension BackupEntry in the seed: %w", err))
		}
		exists = false
	}
	desired := desiredSpec(entry, bucket)
	var why string
	switch {
	case !exists:
		why = "new"
	case !extobject.SpecEqual(ext.Spec, desired):
		why = "spec changed"
	case copied == controllerutil.OperationResultUpdated:
		why = "credentials changed"
	case entry.Annotations[v1beta1constants.GardenerOperation] == v1beta1constants.GardenerOperationReconcile:
		why = "reconcile requested"
	}
	if why != "" {
		return r.request(ctx, entry, ext, desired, opType, why)
	}

	out := extobject.Observe(ext)
	if !out.Done() {
		if asked, err := extobject.AskAgain(ctx, r.SeedClient, ext, r.Clock.Now(), r.AskAgainPeriod); err != nil {
			log.Error(err, "Asking the extension again failed")
		} else if asked {
			log.Info("Asked the extension again", "backupEntry", client.ObjectKeyFromObject(ext))
		}
	}
	before := entry.Status.LastOperation
	if err := r.patchStatus(ctx, entry, func(s *gardencorev1beta1.BackupEntryStatus) {
		s.LastOperation = extobject.LastOperation(s.LastOperation, opType, out, r.Clock.Now())
		s.LastError = extobject.LastError(s.LastError, out.LastError, r.Clock.Now())
		if out.Done() || out.State == gardencorev1beta1.LastOperationStateError {
			s.ObservedGeneration = entry.Generation
		}
		if out.State == gardencorev1beta1.LastOperationStateSucceeded {
			s.SeedName = entry.Spec.SeedName
		}
	}); err != nil {
		return reconcile.Result{}, err
	}
	if before == nil || before.State != out.State {
		switch out.State {
		case gardencorev1beta1.LastOperationStateSucceeded:
			log.Info("BackupEntry reconciled")
			r.Recorder.Eventf(entry, nil, corev1.EventTypeNormal, EventReconciled, "Reconcile", "%s", out.Description)
		case gardencorev1beta1.LastOperationStateError, gardencorev1beta1.LastOperationStateFailed:
			log.Info("Extension reports an error", "state", out.State, "description", out.Description)
			r.Recorder.Eventf(entry, nil, corev1.EventTypeWarning, EventReconcileError, "Reconcile", "%s", out.Description)
		}
	}
	if out.Done() {
		return reconcile.Result{}, nil
	}
	return reconcile.Result{RequeueAfter: r.AskAgainPeriod}, nil
}

// request writes the extension BackupEntry with the reconcile request. The core object's
// status says Processing before its reconcile annotation goes, so that whoever waits for
// the annotation to go (the shoot flow) does not take the previous outcome for the new one.
func (r *Reconciler) request(ctx context.Context, entry *gardencorev1beta1.BackupEntry, ext *extensionsv1alpha1.BackupEntry, desired extensionsv1alpha1.BackupEntrySpec, opType gardencorev1beta1.LastOperationType, why string) (reconcile.Result, error) {
	log := logf.FromContext(ctx)
	out := extobject.Outcome{State: gardencorev1beta1.LastOperationStateProcessing, Description: "Asked the extension to reconcile the BackupEntry " + entry.Name + " in the seed."}
	if err := r.patchStatus(ctx, entry, func(s *gardencorev1beta1.BackupEntryStatus) {
		s.LastOperation = extobject.LastOperation(s.LastOperation, opType, out, r.Clock.Now())
	}); err != nil {
		return reconcile.Result{}, err
	}
	if entry.Annotations[v1beta1constants.GardenerOperation] == v1beta1constants.GardenerOperationReconcile {
		patch := client.MergeFrom(entry.DeepCopy())
		delete(entry.Annotations, v1beta1constants.GardenerOperation)
		if err := r.GardenClient.Patch(ctx, entry, patch); err != nil {
			return reconcile.Result{}, fmt.Errorf("removing the annotation %s: %w", v1beta1constants.GardenerOperation, err)
		}
	}
	if err := extobject.Request(ctx, r.SeedClient, ext, r.Clock.Now(), func() { ext.Spec = desired }); err != nil {
		return r.failed(ctx, entry, opType, err)
	}
	log.Info("Asked the extension to reconcile the BackupEntry", "reason", why, "type", desired.Type, "backupBucket", desired.BucketName)
	r.Recorder.Eventf(entry, nil, corev1.EventTypeNormal, EventReconciling, "Reconcile", "Asked the extension of type %s to reconcile the BackupEntry in the seed (%s)", desired.Type, why)
	return reconcile.Result{RequeueAfter: r.AskAgainPeriod}, nil
}

// credentials returns the data of the bucket's generated Secret in the garden or, when the
// extension generated none, of the bucket's credentials.
func (r *Reconciler) credentials(ctx context.Context, bucket *gardencorev1beta1.BackupBucket) (map[string][]byte, error) {
	var key client.ObjectKey
	var what string
	switch ref := bucket.Spec.CredentialsRef; {
	case bucket.Status.GeneratedSecretRef != nil:
		key = client.ObjectKey{Namespace: bucket.Status.GeneratedSecretRef.Namespace, Name: bucket.Status.GeneratedSecretRef.Name}
		what = "the generated Secret of BackupBucket " + bucket.Name + " (status.generatedSecretRef)"
	case ref != nil && ref.Kind == "Secret":
		key = client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}
		what = "the credentials Secret of BackupBucket " + bucket.Name + " (spec.credentialsRef)"
	case ref != nil:
		return nil, reconcile.TerminalError(fmt.Errorf("BackupBucket %s refers to credentials of kind %s; Hortus supports only Secrets", bucket.Name, ref.Kind))
	default:
		return nil, reconcile.TerminalError(fmt.Errorf("BackupBucket %s has neither status.generatedSecretRef nor spec.credentialsRef", bucket.Name))
	}
	secret := &corev1.Secret{}
	if err := r.GardenClient.Get(ctx, key, secret); err != nil {
		return nil, fmt.Errorf("reading %s, %s, in the garden: %w", what, key, err)
	}
	return secret.Data, nil
}

// failed records err as the last error with state Error (Failed for a terminal error)
// and returns it for the back-off; a terminal error is not retried.
func (r *Reconciler) failed(ctx context.Context, entry *gardencorev1beta1.BackupEntry, opType gardencorev1beta1.LastOperationType, err error) (reconcile.Result, error) {
	state := gardencorev1beta1.LastOperationStateError
	if errors.Is(err, reconcile.TerminalError(nil)) {
		state = gardencorev1beta1.LastOperationStateFailed
	}
	desc := err.Error()
	out := extobject.Outcome{State: state, Description: desc, LastError: &gardencorev1beta1.LastError{Description: desc}}
	patchErr := r.patchStatus(ctx, entry, func(s *gardencorev1beta1.BackupEntryStatus) {
		s.LastOperation = extobject.LastOperation(s.LastOperation, opType, out, r.Clock.Now())
		s.LastError = extobject.LastError(s.LastError, out.LastError, r.Clock.Now())
	})
	reason := EventReconcileError
	if opType == gardencorev1beta1.LastOperationTypeDelete {
		reason = EventDeleteError
	}
	r.Recorder.Eventf(entry, nil, corev1.EventTypeWarning, reason, string(opType), "%s", desc)
	return reconcile.Result{}, errors.Join(err, patchErr)
}

// patchStatus changes the status of entry with mutate and writes it when it changed.
func (r *Reconciler) patchStatus(ctx context.Context, entry *gardencorev1beta1.BackupEntry, mutate func(*gardencorev1beta1.BackupEntryStatus)) error {
	before := entry.DeepCopy()
	mutate(&entry.Status)
	if equality.Semantic.DeepEqual(before.Status, entry.Status) {
		return nil
	}
	if err := r.GardenClient.Status().Patch(ctx, entry, client.MergeFrom(before)); err != nil {
		return fmt.Errorf("writing the status of BackupEntry %s: %w", client.ObjectKeyFromObject(entry), err)
	}
	return nil
}

// delete removes the extension BackupEntry (the extension deletes the backups), then the
// copied Secret, then the finalizer. Gardener keeps a shoot's entry for a grace period
// after the shoot is gone; whoever deletes the core object decides that here.
func (r *Reconciler) delete(ctx context.Context, entry *gardencorev1beta1.BackupEntry) (reconcile.Result, error) {
	log := logf.FromContext(ctx)
	opType := gardencorev1beta1.LastOperationTypeDelete
	processing := func(out extobject.Outcome) (reconcile.Result, error) {
		err := r.patchStatus(ctx, entry, func(s *gardencorev1beta1.BackupEntryStatus) {
			s.LastOperation = extobject.LastOperation(s.LastOperation, opType, out, r.Clock.Now())
			s.LastError = extobject.LastError(s.LastError, out.LastError, r.Clock.Now())
		})
		return reconcile.Result{RequeueAfter: r.AskAgainPeriod}, err
	}

	ext := &extensionsv1alpha1.BackupEntry{ObjectMeta: metav1.ObjectMeta{Name: entry.Name}}
	err := r.SeedClient.Get(ctx, client.ObjectKeyFromObject(ext), ext)
	switch {
	case err == nil && ext.DeletionTimestamp == nil:
		if err := r.SeedClient.Delete(ctx, ext); client.IgnoreNotFound(err) != nil {
			return r.failed(ctx, entry, opType, fmt.Errorf("deleting the extension BackupEntry in the seed: %w", err))
		}
		log.Info("Deleting the extension BackupEntry")
		r.Recorder.Eventf(entry, nil, corev1.EventTypeNormal, EventDeleting, "Delete", "Deleting the extension BackupEntry in the seed")
		return processing(extobject.ObserveDeletion(&extensionsv1alpha1.BackupEntry{ObjectMeta: ext.ObjectMeta}))
	case err == nil:
		return processing(extobject.ObserveDeletion(ext))
	case !apierrors.IsNotFound(err):
		return r.failed(ctx, entry, opType, fmt.Errorf("reading the extension BackupEntry in the seed: %w", err))
	}

	if err := extobject.DeleteSecret(ctx, r.SeedClient, client.ObjectKey{Namespace: SeedNamespace, Name: SecretName(entry.Name)}); err != nil {
		return r.failed(ctx, entry, opType, err)
	}
	patch := client.MergeFrom(entry.DeepCopy())
	controllerutil.RemoveFinalizer(entry, Finalizer)
	if err := r.GardenClient.Patch(ctx, entry, patch); client.IgnoreNotFound(err) != nil {
		return reconcile.Result{}, fmt.Errorf("removing the finalizer %s: %w", Finalizer, err)
	}
	log.Info("BackupEntry deleted")
	r.Recorder.Eventf(entry, nil, corev1.EventTypeNormal, EventDeleted, "Delete", "Deleted the extension BackupEntry and the copied Secret")
	return reconcile.Result{}, nil
}
