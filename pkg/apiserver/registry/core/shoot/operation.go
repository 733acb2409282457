package shoot

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gardener/gardener/pkg/apis/core"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
)

// rotationOperations are the operations of the gardener.cloud/operation annotation that
// bump the generation and stay on the Shoot: the gardenlet performs the rotation and
// removes the annotation when it is done.
var rotationOperations = []string{
	v1beta1constants.OperationRotateCAStart,
	v1beta1constants.OperationRotateCAStartWithoutWorkersRollout,
	v1beta1constants.OperationRotateCAComplete,
	v1beta1constants.OperationRotateServiceAccountKeyStart,
	v1beta1constants.OperationRotateServiceAccountKeyStartWithoutWorkersRollout,
	v1beta1constants.OperationRotateServiceAccountKeyComplete,
	v1beta1constants.OperationRotateETCDEncryptionKey,
	v1beta1constants.OperationRotateETCDEncryptionKeyStart,
	v1beta1constants.OperationRotateETCDEncryptionKeyComplete,
	v1beta1constants.OperationRotateObservabilityCredentials,
}

// mustIncreaseGeneration tells whether an update from oldShoot to newShoot through the
// main endpoint bumps the generation, as Gardener's shoot strategy decides it: a spec
// change, the deletion timestamp or the force-deletion annotation being set, or an
// operation requested by the gardener.cloud/operation annotation on a Shoot that has been
// reconciled before (status.lastOperation is set):
//   - reconcile bumps the generation and is removed from the annotation;
//   - retry bumps the generation and removes the annotation when the last operation failed;
//   - the rotate-* operations bump the generation and stay for the gardenlet, which removes
//     them when done; rotate-credentials-start/-complete replace the single rotations they
//     cover;
//   - rotate-ssh-keypair bumps the generation, or is removed when the Shoot has no SSH access;
//   - rotate-rollout-workers and rollout-workers bump the generation and stay.
//
// maintain does not bump the generation: the shoot maintenance controller acts on it, and
// its maintenance changes the spec. It may change newShoot's operation annotation.
func mustIncreaseGeneration(oldShoot, newShoot *core.Shoot) bool {
	if !apiequality.Semantic.DeepEqual(oldShoot.Spec, newShoot.Spec) {
		return true
	}
	if oldShoot.DeletionTimestamp == nil && newShoot.DeletionTimestamp != nil {
		return true
	}
	if !needsForceDeletion(oldShoot) && needsForceDeletion(newShoot) {
		return true
	}
	lastOperation := newShoot.Status.LastOperation
	if lastOperation == nil {
		return false
	}

	var (
		mustIncrease, removeAnnotation bool
		operations                     = splitOperations(newShoot.Annotations[v1beta1constants.GardenerOperation])
		remaining                      = slices.Clone(operations)
	)
	if lastOperation.State == core.LastOperationStateFailed {
		if newShoot.Annotations[v1beta1constants.GardenerOperation] == v1beta1constants.ShootOperationRetry {
			mustIncrease, removeAnnotation = true, true
		}
	} else {
		for _, operation := range operations {
			switch {
			case operation == v1beta1constants.GardenerOperationReconcile:
				mustIncrease = true
				remaining = removeOperations(remaining, operation)
			case slices.Contains(rotationOperations, operation):
				mustIncrease = true
			case operation == v1beta1constants.OperationRotateCredentialsStart:
				mustIncrease = true
				remaining = removeOperations(remaining,
					v1beta1constants.OperationRotateCAStart,
					v1beta1constants.OperationRotateServiceAccountKeyStart,
					v1beta1constants.OperationRotateETCDEncryptionKey,
					v1beta1constants.OperationRotateETCDEncryptionKeyStart,
					v1beta1constants.OperationRotateObservabilityCredentials,
					v1beta1constants.ShootOperationRotateSSHKeypair,
				)
			case operation == v1beta1constants.OperationRotateCredentialsStartWithoutWorkersRollout:
				mustIncrease = true
				remaining = removeOperations(remaining,
					v1beta1constants.OperationRotateCAStartWithoutWorkersRollout,
					v1beta1constants.OperationRotateServiceAccountKeyStartWithoutWorkersRollout,
					v1beta1constants.OperationRotateETCDEncryptionKey,
					v1beta1constants.OperationRotateETCDEncryptionKeyStart,
					v1beta1constants.OperationRotateObservabilityCredentials,
					v1beta1constants.ShootOperationRotateSSHKeypair,
				)
			case operation == v1beta1constants.OperationRotateCredentialsComplete:
				mustIncrease = true
				remaining = removeOperations(remaining,
					v1beta1constants.OperationRotateCAComplete,
					v1beta1constants.OperationRotateServiceAccountKeyComplete,
					v1beta1constants.OperationRotateETCDEncryptionKeyComplete,
				)
			case operation == v1beta1constants.ShootOperationRotateSSHKeypair:
				if enablesSSHAccess(newShoot) {
					mustIncrease = true
				} else {
					remaining = removeOperations(remaining, operation)
				}
			case strings.HasPrefix(operation, v1beta1constants.OperationRotateRolloutWorkers),
				strings.HasPrefix(operation, v1beta1constants.OperationRolloutWorkers):
				mustIncrease = true
			}
		}
	}

	switch {
	case removeAnnotation || len(remaining) == 0:
		delete(newShoot.Annotations, v1beta1constants.GardenerOperation)
	case len(remaining) != len(operations):
		newShoot.Annotations[v1beta1constants.GardenerOperation] = strings.Join(remaining, v1beta1constants.GardenerOperationsSeparator)
	}
	return mustIncrease
}

// cleanUpOperations trims the operations of annotation key and drops empty and repeated
// ones, keeping their order.
func cleanUpOperations(annotations map[string]string, key string) {
	value, ok := annotations[key]
	if !ok {
		return
	}
	var out []string
	for _, op := range splitOperations(value) {
		if !slices.Contains(out, op) {
			out = append(out, op)
		}
	}
	annotations[key] = strings.Join(out, v1beta1constants.GardenerOperationsSeparator)
}

// splitOperations splits an operation annotation at ";" and drops empty parts.
func splitOperations(value string) []string {
	var out []string
	for _, op := range strings.Split(value, v1beta1constants.GardenerOperationsSeparator) {
		if op = strings.TrimSpace(op); op != "" {
			out = append(out, op)
		}
	}
	return out
}

func removeOperations(operations []string, remove ...string) []string {
	return slices.DeleteFunc(operations, func(op string) bool { return slices.Contains(remove, op) })
}

// needsForceDeletion tells whether the confirmation.gardener.cloud/force-deletion
// annotation is true.
func needsForceDeletion(shoot *core.Shoot) bool {
	force, _ := strconv.ParseBool(shoot.Annotations[v1beta1constants.AnnotationConfirmationForceDeletion])
	return force
}

// enablesSSHAccess tells whether the Shoot has workers with SSH access.
func enablesSSHAccess(shoot *core.Shoot) bool {
	if len(shoot.Spec.Provider.Workers) == 0 {
		return false
	}
	settings := shoot.Spec.Provider.WorkersSettings
	return settings == nil || settings.SSHAccess == nil || settings.SSHAccess.Enabled
}
