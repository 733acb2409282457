package extobject

import (
	"context"
	"encoding/json"
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
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/hortus-dev/hortus/extensions/pkg/extension"
)

// DefaultAskAgainPeriod is how long a controller waits for an extension before it asks
// again with a new gardener.cloud/timestamp, in case the extension missed the request (a
// restart, a lost event).
const DefaultAskAgainPeriod = 30 * time.Second

// Request creates obj in the seed, or patches it, with mutate (which sets its spec) and
// asks its extension to reconcile it: gardener.cloud/operation=reconcile and
// gardener.cloud/timestamp=now.
func Request(ctx context.Context, c client.Client, obj extensionsv1alpha1.Object, now time.Time, mutate func()) error {
	if _, err := controllerutil.CreateOrPatch(ctx, c, obj, func() error {
		mutate()
		stamp(obj, now)
		return nil
	}); err != nil {
		return fmt.Errorf("writing the %s %s in the seed: %w", kindOf(obj), obj.GetName(), err)
	}
	return nil
}

// stamp puts the reconcile request with timestamp now on obj.
func stamp(obj client.Object, now time.Time) {
	annotations := obj.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[v1beta1constants.GardenerOperation] = v1beta1constants.GardenerOperationReconcile
	annotations[v1beta1constants.GardenerTimestamp] = now.UTC().Format(time.RFC3339Nano)
	obj.SetAnnotations(annotations)
}

// Requested reports whether obj still carries the reconcile request, which its extension
// removes once it has acted on it.
func Requested(obj client.Object) bool {
	return obj.GetAnnotations()[v1beta1constants.GardenerOperation] == v1beta1constants.GardenerOperationReconcile
}

// AskAgain stamps a new gardener.cloud/timestamp on obj when it still carries the
// reconcile request and its timestamp is older than period (or unreadable), which makes
// the extension look at it again. It reports whether it asked.
func AskAgain(ctx context.Context, c client.Client, obj extensionsv1alpha1.Object, now time.Time, period time.Duration) (bool, error) {
	if !Requested(obj) {
		return false, nil
	}
	if asked, err := time.Parse(time.RFC3339Nano, obj.GetAnnotations()[v1beta1constants.GardenerTimestamp]); err == nil && now.Sub(asked) < period {
		return false, nil
	}
	patch := client.MergeFrom(obj.DeepCopyObject().(client.Object))
	stamp(obj, now)
	if err := c.Patch(ctx, obj, patch); err != nil {
		return false, fmt.Errorf("asking again for the %s %s: %w", kindOf(obj), obj.GetName(), err)
	}
	return true, nil
}

// SpecEqual reports whether a and b encode to the same JSON document, so that raw
// provider configurations that differ only in formatting are equal.
func SpecEqual(a, b any) bool {
	decode := func(v any) (any, error) {
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		var out any
		return out, json.Unmarshal(raw, &out)
	}
	da, errA := decode(a)
	db, errB := decode(b)
	return errA == nil && errB == nil && equality.Semantic.DeepEqual(da, db)
}

// Outcome is what an extension object's status says about its operation, in the terms of
// the core object's status.
type Outcome struct {
	// State is Succeeded, Processing, Error (the extension retries) or Failed (it does not
	// until it is asked again).
	State gardencorev1beta1.LastOperationState
	// Progress is the extension's progress, 100 on success.
	Progress int32
	// Description says what happened or what is awaited.
	Description string
	// LastError is the extension's last error, set for Error and Failed.
	LastError *gardencorev1beta1.LastError
}

// Done reports whether the operation is over: Succeeded or Failed.
func (o Outcome) Done() bool {
	return o.State == gardencorev1beta1.LastOperationStateSucceeded || o.State == gardencorev1beta1.LastOperationStateFailed
}

// Observe returns the outcome of the reconciliation of obj, as extension.CheckReady judges
// it.
func Observe(obj extensionsv1alpha1.Object) Outcome {
	status := obj.GetExtensionStatus()
	var progress int32
	if op := status.GetLastOperation(); op != nil {
		progress = op.Progress
	}
	name := kindOf(obj) + " " + obj.GetName()
	err := extension.CheckReady(obj)
	switch {
	case err == nil:
		return Outcome{State: gardencorev1beta1.LastOperationStateSucceeded, Progress: 100, Description: "The extension reconciled the " + name + " in the seed."}
	case errors.Is(err, extension.ErrFailed):
		desc := fmt.Sprintf("The extension failed to reconcile the %s in the seed: %v", name, err)
		return Outcome{State: gardencorev1beta1.LastOperationStateFailed, Progress: progress, Description: desc, LastError: lastError(status.GetLastError(), desc)}
	case status.GetLastError() != nil:
		desc := fmt.Sprintf("The extension reports an error for the %s in the seed and retries: %s", name, status.GetLastError().Description)
		return Outcome{State: gardencorev1beta1.LastOperationStateError, Progress: progress, Description: desc, LastError: lastError(status.GetLastError(), desc)}
	default:
		return Outcome{State: gardencorev1beta1.LastOperationStateProcessing, Progress: progress, Description: fmt.Sprintf("Waiting for the extension to reconcile the %s in the seed: %v", name, err)}
	}
}

// ObserveDeletion returns the outcome of the deletion of obj, which is still there:
// Processing, or Error while the extension reports an error.
func ObserveDeletion(obj extensionsv1alpha1.Object) Outcome {
	status := obj.GetExtensionStatus()
	name := kindOf(obj) + " " + obj.GetName()
	if e := status.GetLastError(); e != nil {
		desc := fmt.Sprintf("The extension reports an error deleting the %s in the seed and retries: %s", name, e.Description)
		return Outcome{State: gardencorev1beta1.LastOperationStateError, Description: desc, LastError: lastError(e, desc)}
	}
	return Outcome{State: gardencorev1beta1.LastOperationStateProcessing, Description: "Waiting for the extension to delete the " + name + " in the seed."}
}

// lastError is the core last error for the extension's error e, with description.
func lastError(e *gardencorev1beta1.LastError, description string) *gardencorev1beta1.LastError {
	out := &gardencorev1beta1.LastError{Description: description}
	if e != nil {
		out.Codes = e.Codes
	}
	return out
}

// OperationType is the type of a new reconciliation after prev: Create until the first
// success, Reconcile after it.
func OperationType(prev *gardencorev1beta1.LastOperation) gardencorev1beta1.LastOperationType {
	if prev == nil || (prev.Type == gardencorev1beta1.LastOperationTypeCreate && prev.State != gardencorev1beta1.LastOperationStateSucceeded) {
		return gardencorev1beta1.LastOperationTypeCreate
	}
	return gardencorev1beta1.LastOperationTypeReconcile
}

// LastOperation returns the last operation of type t with o's state, progress and
// description, stamped now, or prev unchanged when it says the same.
func LastOperation(prev *gardencorev1beta1.LastOperation, t gardencorev1beta1.LastOperationType, o Outcome, now time.Time) *gardencorev1beta1.LastOperation {
	if prev != nil && prev.Type == t && prev.State == o.State && prev.Progress == o.Progress && prev.Description == o.Description {
		return prev
	}
	return &gardencorev1beta1.LastOperation{Type: t, State: o.State, Progress: o.Progress, Description: o.Description, LastUpdateTime: metav1.NewTime(now)}
}

// LastError returns next stamped now, or prev unchanged when it says the same; nil when
// next is nil.
func LastError(prev, next *gardencorev1beta1.LastError, now time.Time) *gardencorev1beta1.LastError {
	if next == nil {
		return nil
	}
	if prev != nil && prev.Description == next.Description && equality.Semantic.DeepEqual(prev.Codes, next.Codes) {
		return prev
	}
	out := next.DeepCopy()
	stamp := metav1.NewTime(now)
	out.LastUpdateTime = &stamp
	return out
}

// EnsureNamespace creates namespace name when it is missing, and fails when it is being
// deleted.
func EnsureNamespace(ctx context.Context, c client.Client, name string) error {
	ns := &corev1.Namespace{}
	err := c.Get(ctx, client.ObjectKey{Name: name}, ns)
	switch {
	case apierrors.IsNotFound(err):
		ns = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if err := c.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating namespace %s in the seed: %w", name, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("reading namespace %s in the seed: %w", name, err)
	case ns.DeletionTimestamp != nil:
		return fmt.Errorf("namespace %s in the seed is being deleted; wait until it is gone, the seed controller creates it again", name)
	}
	return nil
}

// CopySecret creates or updates the Secret key with data (and type Opaque), after mutate,
// if any, changed its metadata. It returns what it did.
func CopySecret(ctx context.Context, c client.Client, key client.ObjectKey, data map[string][]byte, mutate func(*corev1.Secret)) (controllerutil.OperationResult, error) {
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}
	result, err := controllerutil.CreateOrUpdate(ctx, c, secret, func() error {
		if mutate != nil {
			mutate(secret)
		}
		if secret.Type == "" {
			secret.Type = corev1.SecretTypeOpaque
		}
		secret.Data = data
		return nil
	})
	if err != nil {
		return result, fmt.Errorf("writing Secret %s: %w", key, err)
	}
	return result, nil
}

// DeleteSecret deletes the Secret key; one that is gone is fine.
func DeleteSecret(ctx context.Context, c client.Client, key client.ObjectKey) error {
	err := c.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}})
	if client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting Secret %s: %w", key, err)
	}
	return nil
}

// kindOf names obj's kind for messages.
func kindOf(obj client.Object) string {
	switch obj.(type) {
	case *extensionsv1alpha1.BackupBucket:
		return "BackupBucket"
	case *extensionsv1alpha1.BackupEntry:
		return "BackupEntry"
	}
	return fmt.Sprintf("%T", obj)
}
