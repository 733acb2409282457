package condition

import (
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The GardenletReady condition that a running gardenlet reports.
const (
	// ReasonGardenletReady is its reason.
	ReasonGardenletReady = "GardenletReady"
	// MessageGardenletReady is its message.
	MessageGardenletReady = "Gardenlet is posting ready status."
)

// Get returns the condition of type t in conditions, or nil.
func Get(conditions []gardencorev1beta1.Condition, t gardencorev1beta1.ConditionType) *gardencorev1beta1.Condition {
	for i := range conditions {
		if conditions[i].Type == t {
			return &conditions[i]
		}
	}
	return nil
}

// Set returns a copy of conditions in which the condition of type c.Type has c's status,
// reason, message and codes, appended if missing. Its lastUpdateTime is now; its
// lastTransitionTime is now when it is new or its status changes, and stays otherwise.
// The times in c are ignored.
func Set(conditions []gardencorev1beta1.Condition, c gardencorev1beta1.Condition, now time.Time) []gardencorev1beta1.Condition {
	out := make([]gardencorev1beta1.Condition, 0, len(conditions)+1)
	out = append(out, conditions...)
	stamp := metav1.NewTime(now)
	c.LastUpdateTime = stamp
	c.LastTransitionTime = stamp
	if old := Get(out, c.Type); old != nil {
		if old.Status == c.Status && !old.LastTransitionTime.IsZero() {
			c.LastTransitionTime = old.LastTransitionTime
		}
		*old = c
		return out
	}
	return append(out, c)
}

// Remove returns a copy of conditions without the condition of type t.
func Remove(conditions []gardencorev1beta1.Condition, t gardencorev1beta1.ConditionType) []gardencorev1beta1.Condition {
	var out []gardencorev1beta1.Condition
	for _, c := range conditions {
		if c.Type != t {
			out = append(out, c)
		}
	}
	return out
}

// GardenletReady returns the GardenletReady condition of a running gardenlet, without times.
func GardenletReady() gardencorev1beta1.Condition {
	return gardencorev1beta1.Condition{
		Type:    gardencorev1beta1.GardenletReady,
		Status:  gardencorev1beta1.ConditionTrue,
		Reason:  ReasonGardenletReady,
		Message: MessageGardenletReady,
	}
}
