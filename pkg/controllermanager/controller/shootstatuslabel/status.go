package shootstatuslabel

import (
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
)

// Status is the health of a Shoot as the shoot.gardener.cloud/status label says it.
type Status string

// The values of the label, from the best to the worst.
const (
	StatusHealthy     Status = "healthy"
	StatusProgressing Status = "progressing"
	StatusUnknown     Status = "unknown"
	StatusUnhealthy   Status = "unhealthy"
)

// rank orders the statuses: the lower, the worse.
var rank = map[Status]int{StatusHealthy: 3, StatusProgressing: 2, StatusUnknown: 1, StatusUnhealthy: 0}

// OrWorse returns the worse of s and other.
func (s Status) OrWorse(other Status) Status {
	if rank[other] < rank[s] {
		return other
	}
	return s
}

// conditionStatus converts the status of a condition: anything but True, Progressing and
// Unknown (False, or a status Gardener does not know) is unhealthy.
func conditionStatus(status gardencorev1beta1.ConditionStatus) Status {
	switch status {
	case gardencorev1beta1.ConditionTrue:
		return StatusHealthy
	case gardencorev1beta1.ConditionProgressing:
		return StatusProgressing
	case gardencorev1beta1.ConditionUnknown:
		return StatusUnknown
	}
	return StatusUnhealthy
}

func healthyIf(ok bool) Status {
	if ok {
		return StatusHealthy
	}
	return StatusUnhealthy
}

// Compute returns the status of a Shoot by Gardener's rules (ComputeShootStatus of
// Gardener's pkg/utils/gardener):
//   - a Shoot that was never operated on is healthy;
//   - while it is being created (until the create succeeds) or deleted, only the last
//     errors count: unhealthy if there are any, else healthy;
//   - otherwise the worst of its conditions wins (False: unhealthy, Unknown: unknown,
//     Progressing: progressing), made worse by the last operation: unhealthy when it is
//     neither processing nor succeeded (failed, error, aborted, pending), or when it is
//     processing with last errors.
//
// Worst first: unhealthy, unknown, progressing, healthy. Constraints do not count.
func Compute(shoot *gardencorev1beta1.Shoot) Status {
	op := shoot.Status.LastOperation
	if op == nil {
		return StatusHealthy
	}
	if (op.Type == gardencorev1beta1.LastOperationTypeCreate && op.State != gardencorev1beta1.LastOperationStateSucceeded) ||
		op.Type == gardencorev1beta1.LastOperationTypeDelete {
		return healthyIf(len(shoot.Status.LastErrors) == 0)
	}
	status := StatusHealthy
	for _, c := range shoot.Status.Conditions {
		status = status.OrWorse(conditionStatus(c.Status))
	}
	if op.State == gardencorev1beta1.LastOperationStateProcessing {
		return status.OrWorse(healthyIf(len(shoot.Status.LastErrors) == 0))
	}
	return status.OrWorse(healthyIf(op.State == gardencorev1beta1.LastOperationStateSucceeded))
}
