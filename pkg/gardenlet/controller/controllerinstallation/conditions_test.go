package controllerinstallation_test

import (
	"errors"
	"testing"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/controllerinstallation"
)

func TestConditions(t *testing.T) {
	tests := []struct {
		name    string
		outcome controllerinstallation.Outcome
		// want maps condition type to status and reason.
		want map[gardencorev1beta1.ConditionType][2]string
		// message is part of one of the messages.
		message string
	}{
		{
			name:    "invalid: only Valid",
			outcome: controllerinstallation.Outcome{Invalid: &controllerinstallation.Problem{Reason: controllerinstallation.ReasonChartCannotBeRendered, Message: "broken template"}},
			want: map[gardencorev1beta1.ConditionType][2]string{
				gardencorev1beta1.ControllerInstallationValid: {"False", controllerinstallation.ReasonChartCannotBeRendered},
			},
			message: "broken template",
		},
		{
			name:    "install failed",
			outcome: controllerinstallation.Outcome{InstallError: errors.New("applying ConfigMap ns/x: forbidden")},
			want: map[gardencorev1beta1.ConditionType][2]string{
				gardencorev1beta1.ControllerInstallationValid:       {"True", controllerinstallation.ReasonRegistrationValid},
				gardencorev1beta1.ControllerInstallationInstalled:   {"False", controllerinstallation.ReasonInstallationFailed},
				gardencorev1beta1.ControllerInstallationHealthy:     {"Unknown", controllerinstallation.ReasonInstallationFailed},
				gardencorev1beta1.ControllerInstallationProgressing: {"Unknown", controllerinstallation.ReasonInstallationFailed},
			},
			message: "forbidden",
		},
		{
			name:    "installed and healthy",
			outcome: controllerinstallation.Outcome{},
			want: map[gardencorev1beta1.ConditionType][2]string{
				gardencorev1beta1.ControllerInstallationValid:       {"True", controllerinstallation.ReasonRegistrationValid},
				gardencorev1beta1.ControllerInstallationInstalled:   {"True", controllerinstallation.ReasonInstallationSuccessful},
				gardencorev1beta1.ControllerInstallationHealthy:     {"True", controllerinstallation.ReasonControllerHealthy},
				gardencorev1beta1.ControllerInstallationProgressing: {"False", controllerinstallation.ReasonControllerRolledOut},
			},
		},
		{
			name:    "a crashed process",
			outcome: controllerinstallation.Outcome{Unhealthy: []string{"process controller is crashed after 2 restarts"}},
			want: map[gardencorev1beta1.ConditionType][2]string{
				gardencorev1beta1.ControllerInstallationValid:       {"True", controllerinstallation.ReasonRegistrationValid},
				gardencorev1beta1.ControllerInstallationInstalled:   {"True", controllerinstallation.ReasonInstallationSuccessful},
				gardencorev1beta1.ControllerInstallationHealthy:     {"False", controllerinstallation.ReasonControllerNotHealthy},
				gardencorev1beta1.ControllerInstallationProgressing: {"False", controllerinstallation.ReasonControllerRolledOut},
			},
			message: "process controller is crashed after 2 restarts.",
		},
		{
			name:    "rolling out",
			outcome: controllerinstallation.Outcome{Unhealthy: []string{"Deployment a/b: 0 of 1 replicas are available"}, Progressing: []string{"Deployment a/b: 0 of 1 replicas are available"}},
			want: map[gardencorev1beta1.ConditionType][2]string{
				gardencorev1beta1.ControllerInstallationValid:       {"True", controllerinstallation.ReasonRegistrationValid},
				gardencorev1beta1.ControllerInstallationInstalled:   {"True", controllerinstallation.ReasonInstallationSuccessful},
				gardencorev1beta1.ControllerInstallationHealthy:     {"False", controllerinstallation.ReasonControllerNotHealthy},
				gardencorev1beta1.ControllerInstallationProgressing: {"True", controllerinstallation.ReasonControllerNotRolledOut},
			},
			message: "0 of 1 replicas are available",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			got := controllerinstallation.Conditions(tt.outcome)
			g.Expect(got).To(HaveLen(len(tt.want)))
			var messages []string
			for _, c := range got {
				g.Expect(tt.want).To(HaveKeyWithValue(c.Type, [2]string{string(c.Status), c.Reason}))
				g.Expect(c.Message).NotTo(BeEmpty())
				messages = append(messages, c.Message)
			}
			if tt.message != "" {
				g.Expect(messages).To(ContainElement(ContainSubstring(tt.message)))
			}
		})
	}
}
