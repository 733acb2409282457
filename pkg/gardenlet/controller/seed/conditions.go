package seed

import (
	"fmt"
	"strings"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
)

// Reasons of the conditions the controller sets besides GardenletReady.
const (
	// ReasonSystemComponentsRunning is the reason of SeedSystemComponentsHealthy True.
	ReasonSystemComponentsRunning = "SystemComponentsRunning"
	// ReasonSeedClusterNotReady is the reason of SeedSystemComponentsHealthy False when the
	// seed cluster's API server cannot be reached or is not ready.
	ReasonSeedClusterNotReady = "SeedClusterNotReady"
	// ReasonSeedNamespaceNotReady is the reason of SeedSystemComponentsHealthy False when
	// the garden namespace in the seed cluster cannot be ensured.
	ReasonSeedNamespaceNotReady = "SeedNamespaceNotReady"
	// ReasonExtensionCRDsNotReady is the reason of SeedSystemComponentsHealthy False when
	// the extension CRDs are not installed and established in the seed cluster.
	ReasonExtensionCRDsNotReady = "ExtensionCRDsNotReady"

	// ReasonBackupBucketsAvailable is the reason of BackupBucketsReady True.
	ReasonBackupBucketsAvailable = "BackupBucketsAvailable"
	// ReasonBackupBucketsError is the reason of BackupBucketsReady False.
	ReasonBackupBucketsError = "BackupBucketsError"
	// ReasonBackupBucketsNotReconciled is the reason of BackupBucketsReady Unknown.
	ReasonBackupBucketsNotReconciled = "BackupBucketsNotReconciled"
)

// Observation is what the controller found in the seed cluster.
type Observation struct {
	// ReadyErr is why the seed cluster's /readyz failed, or nil.
	ReadyErr error
	// KubernetesVersion is the seed cluster's version (gitVersion), empty if unknown.
	KubernetesVersion string
	// ClusterIdentity is the seed cluster's identity, empty if unknown.
	ClusterIdentity string
	// NamespaceErr is why the garden namespace in the seed cluster could not be ensured, or
	// nil.
	NamespaceErr error
	// Namespace is the name of that namespace.
	Namespace string
	// CRDsErr is why the extension CRDs (extensions.gardener.cloud) could not be installed
	// in the seed cluster, or nil.
	CRDsErr error
}

// SystemComponentsCondition returns the SeedSystemComponentsHealthy condition, without
// times, from an observation of the seed cluster: whether the seed cluster is ready, its
// garden namespace exists and the extension CRDs are established.
func SystemComponentsCondition(obs Observation) gardencorev1beta1.Condition {
	c := gardencorev1beta1.Condition{Type: gardencorev1beta1.SeedSystemComponentsHealthy}
	var (
		reasons  []string
		problems []string
	)
	if obs.ReadyErr != nil {
		reasons = append(reasons, ReasonSeedClusterNotReady)
		problems = append(problems, fmt.Sprintf("The seed cluster's API server is not ready: %v.", obs.ReadyErr))
	}
	if obs.NamespaceErr != nil {
		reasons = append(reasons, ReasonSeedNamespaceNotReady)
		problems = append(problems, fmt.Sprintf("Namespace %q in the seed cluster is not ready: %v.", obs.Namespace, obs.NamespaceErr))
	}
	if obs.CRDsErr != nil {
		reasons = append(reasons, ReasonExtensionCRDsNotReady)
		problems = append(problems, fmt.Sprintf("The extension CRDs are not ready in the seed cluster: %v.", obs.CRDsErr))
	}
	if len(problems) > 0 {
		c.Status, c.Reason, c.Message = gardencorev1beta1.ConditionFalse, reasons[0], strings.Join(problems, " ")
		return c
	}
	c.Status, c.Reason = gardencorev1beta1.ConditionTrue, ReasonSystemComponentsRunning
	c.Message = fmt.Sprintf("The seed cluster is ready, namespace %q exists and the extension CRDs are established.", obs.Namespace)
	return c
}

// BackupBucketsCondition returns the BackupBucketsReady condition, without times, for the
// BackupBucket named name: bucket is nil when it does not exist (yet), and ensureErr is why
// the controller could not create or update it, or nil.
func BackupBucketsCondition(name string, bucket *gardencorev1beta1.BackupBucket, ensureErr error) gardencorev1beta1.Condition {
	c := gardencorev1beta1.Condition{Type: gardencorev1beta1.SeedBackupBucketsReady}
	switch {
	case ensureErr != nil:
		c.Status, c.Reason = gardencorev1beta1.ConditionFalse, ReasonBackupBucketsError
		c.Message = fmt.Sprintf("BackupBucket %s could not be created or updated: %v.", name, ensureErr)
	case bucket != nil && bucket.Status.LastError != nil:
		c.Status, c.Reason = gardencorev1beta1.ConditionFalse, ReasonBackupBucketsError
		c.Message = fmt.Sprintf("BackupBucket %s: %s", name, bucket.Status.LastError.Description)
	case bucket != nil && bucket.Status.LastOperation != nil && bucket.Status.ObservedGeneration >= bucket.Generation:
		switch op := bucket.Status.LastOperation; op.State {
		case gardencorev1beta1.LastOperationStateSucceeded:
			c.Status, c.Reason = gardencorev1beta1.ConditionTrue, ReasonBackupBucketsAvailable
			c.Message = "Backup Buckets are available."
		case gardencorev1beta1.LastOperationStateFailed, gardencorev1beta1.LastOperationStateError:
			c.Status, c.Reason = gardencorev1beta1.ConditionFalse, ReasonBackupBucketsError
			c.Message = fmt.Sprintf("BackupBucket %s: %s %s: %s", name, op.Type, op.State, op.Description)
		default:
			c.Status, c.Reason = gardencorev1beta1.ConditionUnknown, ReasonBackupBucketsNotReconciled
			c.Message = fmt.Sprintf("BackupBucket %s is being reconciled (%s %s).", name, op.Type, op.State)
		}
	default:
		c.Status, c.Reason = gardencorev1beta1.ConditionUnknown, ReasonBackupBucketsNotReconciled
		c.Message = fmt.Sprintf("BackupBucket %s has not been reconciled yet.", name)
	}
	return c
}
