package extension

import (
	"context"
	"fmt"
	"time"

	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
)

// Actuator is what a provider implements per kind: it makes the world match obj, or removes
// what it made. cluster is nil for cluster-scoped kinds (BackupBucket, BackupEntry) and for
// objects of class seed or garden. An error wrapping reconcile.TerminalError marks the
// object Failed and is not retried; any other error is retried with backoff. What a method
// changes in obj's status in memory (providerStatus, state, resources, conditions) is
// written together with the outcome, also on error; other changes to obj are not written.
type Actuator[T extensionsv1alpha1.Object] interface {
	// Reconcile creates or updates what obj describes. It must be idempotent.
	Reconcile(ctx context.Context, log logr.Logger, obj T, cluster *Cluster) error
	// Delete removes what Reconcile made. The finalizer is removed once it returns nil.
	Delete(ctx context.Context, log logr.Logger, obj T, cluster *Cluster) error
}

// Migrator is optional: an Actuator that also implements it handles
// gardener.cloud/operation=migrate and =restore. Without it, migrate only releases the
// object (removes the finalizer) and restore runs Actuator.Reconcile.
type Migrator[T extensionsv1alpha1.Object] interface {
	// Migrate stops managing obj's resources in this seed without deleting them, keeping
	// whatever must move along in obj's status (state).
	Migrate(ctx context.Context, log logr.Logger, obj T, cluster *Cluster) error
	// Restore takes over obj's resources in a new seed from the state saved by Migrate.
	Restore(ctx context.Context, log logr.Logger, obj T, cluster *Cluster) error
}

// RequeueAfterError is what an actuator returns while it waits for something that it does
// not watch, such as machines that another controller creates. The object stays Processing
// with the cause as its description and no lastError, and is looked at again after Delay,
// not on the error back-off.
type RequeueAfterError struct {
	Cause error
	Delay time.Duration
}

func (e *RequeueAfterError) Error() string {
	return fmt.Sprintf("%v (checking again in %s)", e.Cause, e.Delay)
}

func (e *RequeueAfterError) Unwrap() error { return e.Cause }

// RequeueAfter wraps cause in a RequeueAfterError.
func RequeueAfter(cause error, delay time.Duration) error {
	return &RequeueAfterError{Cause: cause, Delay: delay}
}
