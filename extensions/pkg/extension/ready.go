package extension

import (
	"errors"
	"fmt"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
)

var (
	// ErrNotReady is wrapped by CheckReady's error while the extension controller has yet
	// to pick up or finish the object's operation, or retries it after an error: waiting
	// longer may help.
	ErrNotReady = errors.New("the extension controller has not finished the operation")
	// ErrFailed is wrapped by CheckReady's error when the last operation failed for good
	// (state Failed): waiting does not help, a change of the object or a new
	// gardener.cloud/operation=reconcile annotation does.
	ErrFailed = errors.New("the extension controller failed the operation")
)

// CheckReady is what the gardenlet's flows use to wait on an extension object. It returns
// nil once the object has no gardener.cloud/operation annotation, its
// status.observedGeneration equals its generation and its last operation Succeeded.
// Otherwise it returns an error that says why: wrapping ErrNotReady while the controller
// still has to act (or retries after an error), wrapping ErrFailed when the last operation
// is Failed. While status.lastError is set (from the last failed attempt; success clears
// it), the error quotes its description. The caller adds which object it checked.
func CheckReady(obj extensionsv1alpha1.Object) error {
	status := obj.GetExtensionStatus()
	lastOp := status.GetLastOperation()
	lastErr := ""
	if e := status.GetLastError(); e != nil {
		lastErr = e.Description
	} else if lastOp != nil && lastOp.State == gardencorev1beta1.LastOperationStateFailed {
		lastErr = lastOp.Description
	}
	notReady := func(format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		if lastErr != "" {
			msg += "; last error: " + lastErr
		}
		return fmt.Errorf("%w: %s", ErrNotReady, msg)
	}

	if op, ok := obj.GetAnnotations()[v1beta1constants.GardenerOperation]; ok {
		return notReady("the operation %q requested by the annotation %s is not done yet", op, v1beta1constants.GardenerOperation)
	}
	if observed, generation := status.GetObservedGeneration(), obj.GetGeneration(); observed != generation {
		return notReady("generation %d is not observed yet (observed: %d)", generation, observed)
	}
	if lastOp == nil {
		return notReady("no operation is recorded yet")
	}
	switch lastOp.State {
	case gardencorev1beta1.LastOperationStateSucceeded:
		return nil
	case gardencorev1beta1.LastOperationStateFailed:
		return fmt.Errorf("%w: %s failed: %s; fix the cause, then change the object or annotate it with %s=%s", ErrFailed,
			lastOp.Type, lastErr, v1beta1constants.GardenerOperation, v1beta1constants.GardenerOperationReconcile)
	case gardencorev1beta1.LastOperationStateError:
		return notReady("%s failed and is retried", lastOp.Type)
	default:
		return notReady("%s is %s", lastOp.Type, lastOp.State)
	}
}
