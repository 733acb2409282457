package seedextensionscheck

import (
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var now = time.Date(2026, 3, 11, 12, 0, 0, 0, time.UTC)

// installation returns a ControllerInstallation on seed "eu" with the given conditions.
func installation(name string, conditions ...gardencorev1beta1.Condition) gardencorev1beta1.ControllerInstallation {
	return gardencorev1beta1.ControllerInstallation{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: gardencorev1beta1.ControllerInstallationSpec{
			RegistrationRef: corev1.ObjectReference{Name: name},
			SeedRef:         &corev1.ObjectReference{Name: "eu"},
		},
		Status: gardencorev1beta1.ControllerInstallationStatus{Conditions: conditions},
	}
}

func cond(t gardencorev1beta1.ConditionType, status gardencorev1beta1.ConditionStatus, message string) gardencorev1beta1.Condition {
	return gardencorev1beta1.Condition{Type: t, Status: status, Reason: "Reported", Message: message}
}

// readyConditions are the conditions of a ready installation; override replaces those
// of the same type.
func readyConditions(override ...gardencorev1beta1.Condition) []gardencorev1beta1.Condition {
	out := []gardencorev1beta1.Condition{
		cond(gardencorev1beta1.ControllerInstallationValid, gardencorev1beta1.ConditionTrue, "valid"),
		cond(gardencorev1beta1.ControllerInstallationInstalled, gardencorev1beta1.ConditionTrue, "installed"),
		cond(gardencorev1beta1.ControllerInstallationHealthy, gardencorev1beta1.ConditionTrue, "healthy"),
		cond(gardencorev1beta1.ControllerInstallationProgressing, gardencorev1beta1.ConditionFalse, "done"),
	}
	for _, o := range override {
		for i := range out {
			if out[i].Type == o.Type {
				out[i] = o
			}
		}
	}
	return out
}

func without(conditions []gardencorev1beta1.Condition, t gardencorev1beta1.ConditionType) []gardencorev1beta1.Condition {
	var out []gardencorev1beta1.Condition
	for _, c := range conditions {
		if c.Type != t {
			out = append(out, c)
		}
	}
	return out
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name          string
		installations []gardencorev1beta1.ControllerInstallation
		want          Verdict
	}{
		{
			name: "no installations are ready",
			want: Verdict{Ready: true, Reason: ReasonAllExtensionsReady, Message: MessageAllExtensionsReady},
		},
		{
			name: "ready installations are ready",
			installations: []gardencorev1beta1.ControllerInstallation{
				installation("provider-local", readyConditions()...),
				installation("networking-calico", append(readyConditions(), cond("Other", gardencorev1beta1.ConditionFalse, "ignored"))...),
			},
			want: Verdict{Ready: true, Reason: ReasonAllExtensionsReady, Message: MessageAllExtensionsReady},
		},
		{
			name: "an unhealthy installation is named with its condition",
			installations: []gardencorev1beta1.ControllerInstallation{
				installation("provider-local", readyConditions(cond(gardencorev1beta1.ControllerInstallationHealthy, gardencorev1beta1.ConditionFalse, "pod crashes"))...),
				installation("networking-calico", readyConditions()...),
			},
			want: Verdict{Reason: ReasonNotAllExtensionsHealthy, Message: "Some extensions are not healthy: provider-local (Healthy=False: pod crashes)."},
		},
		{
			name:          "an installation without conditions is not installed yet",
			installations: []gardencorev1beta1.ControllerInstallation{installation("provider-local")},
			want:          Verdict{Reason: ReasonNotAllExtensionsInstalled, Message: "Some extensions are not installed: provider-local (no conditions reported yet)."},
		},
		{
			name: "an installation missing some conditions is not healthy",
			installations: []gardencorev1beta1.ControllerInstallation{
				installation("provider-local", without(without(readyConditions(), gardencorev1beta1.ControllerInstallationHealthy), gardencorev1beta1.ControllerInstallationProgressing)...),
			},
			want: Verdict{Reason: ReasonNotAllExtensionsHealthy, Message: "Some extensions are not healthy: provider-local (conditions not reported yet: Healthy, Progressing)."},
		},
		{
			name: "a progressing installation is not ready, nor is an Unknown Progressing one",
			installations: []gardencorev1beta1.ControllerInstallation{
				installation("b", readyConditions(cond(gardencorev1beta1.ControllerInstallationProgressing, gardencorev1beta1.ConditionUnknown, ""))...),
				installation("a", readyConditions(cond(gardencorev1beta1.ControllerInstallationProgressing, gardencorev1beta1.ConditionTrue, "rolling out"))...),
			},
			want: Verdict{Reason: ReasonSomeExtensionsProgressing, Message: "Some extensions are progressing: a (Progressing=True: rolling out), b (Progressing=Unknown)."},
		},
		{
			name: "the most severe category gives the reason, and each installation is named once under its worst",
			installations: []gardencorev1beta1.ControllerInstallation{
				installation("progressing", readyConditions(cond(gardencorev1beta1.ControllerInstallationProgressing, gardencorev1beta1.ConditionTrue, "rolling out"))...),
				installation("failed", readyConditions(
					cond(gardencorev1beta1.ControllerInstallationInstalled, gardencorev1beta1.ConditionFalse, "chart failed"),
					cond(gardencorev1beta1.ControllerInstallationHealthy, gardencorev1beta1.ConditionUnknown, "no resources"),
				)...),
				installation("invalid", readyConditions(cond(gardencorev1beta1.ControllerInstallationValid, gardencorev1beta1.ConditionFalse, "bad deployment"))...),
			},
			want: Verdict{Reason: ReasonNotAllExtensionsValid, Message: "Some extensions are not valid: invalid (Valid=False: bad deployment). " +
				"Some extensions are not installed: failed (Installed=False: chart failed; Healthy=Unknown: no resources). " +
				"Some extensions are progressing: progressing (Progressing=True: rolling out)."},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			NewWithT(t).Expect(Check(tc.installations)).To(Equal(tc.want))
		})
	}
}

func TestNextStatus(t *testing.T) {
	const threshold = time.Minute
	at := func(status gardencorev1beta1.ConditionStatus, since time.Time) *gardencorev1beta1.Condition {
		return &gardencorev1beta1.Condition{Type: gardencorev1beta1.SeedExtensionsReady, Status: status, LastTransitionTime: metav1.NewTime(since)}
	}
	for _, tc := range []struct {
		name      string
		current   *gardencorev1beta1.Condition
		ready     bool
		threshold time.Duration
		want      gardencorev1beta1.ConditionStatus
		wantLeft  time.Duration
	}{
		{name: "ready without a condition", ready: true, threshold: threshold, want: gardencorev1beta1.ConditionTrue},
		{name: "ready after False", current: at(gardencorev1beta1.ConditionFalse, now), ready: true, threshold: threshold, want: gardencorev1beta1.ConditionTrue},
		{name: "not ready without a condition", threshold: threshold, want: gardencorev1beta1.ConditionFalse},
		{name: "not ready after True, without a threshold", current: at(gardencorev1beta1.ConditionTrue, now), want: gardencorev1beta1.ConditionFalse},
		{name: "not ready after True", current: at(gardencorev1beta1.ConditionTrue, now.Add(-time.Hour)), threshold: threshold, want: gardencorev1beta1.ConditionProgressing, wantLeft: threshold},
		{name: "not ready, Progressing within the threshold", current: at(gardencorev1beta1.ConditionProgressing, now.Add(-20*time.Second)), threshold: threshold, want: gardencorev1beta1.ConditionProgressing, wantLeft: 40 * time.Second},
		{name: "not ready, Progressing for the threshold", current: at(gardencorev1beta1.ConditionProgressing, now.Add(-threshold)), threshold: threshold, want: gardencorev1beta1.ConditionFalse},
		{name: "not ready, Progressing without a threshold", current: at(gardencorev1beta1.ConditionProgressing, now), want: gardencorev1beta1.ConditionFalse},
		{name: "not ready after Unknown", current: at(gardencorev1beta1.ConditionUnknown, now), threshold: threshold, want: gardencorev1beta1.ConditionFalse},
		{name: "not ready after False", current: at(gardencorev1beta1.ConditionFalse, now.Add(-time.Hour)), threshold: threshold, want: gardencorev1beta1.ConditionFalse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			status, left := NextStatus(tc.current, tc.ready, tc.threshold, now)
			g.Expect(status).To(Equal(tc.want))
			g.Expect(left).To(Equal(tc.wantLeft))
		})
	}
}
