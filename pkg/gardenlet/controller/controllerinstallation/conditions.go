package controllerinstallation

import (
	"fmt"
	"strings"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
)

// Reasons of the installation conditions, Gardener's where Gardener has one.
const (
	// Valid.
	ReasonRegistrationValid       = "RegistrationValid"
	ReasonRegistrationNotFound    = "RegistrationNotFound"
	ReasonDeploymentNotFound      = "DeploymentNotFound"
	ReasonSeedNotFound            = "SeedNotFound"
	ReasonChartInformationInvalid = "ChartInformationInvalid"
	ReasonChartCannotBeRendered   = "ChartCannotBeRendered"
	// ReasonNothingToInstall: the registration names no ControllerDeployment, so the
	// extension's controllers run by other means and there is nothing to install.
	ReasonNothingToInstall = "NothingToInstall"

	// Installed.
	ReasonInstallationSuccessful = "InstallationSuccessful"
	ReasonInstallationFailed     = "InstallationFailed"
	ReasonDeletionPending        = "DeletionPending"
	ReasonDeletionFailed         = "DeletionFailed"

	// Healthy and Progressing.
	ReasonControllerHealthy      = "ControllerHealthy"
	ReasonControllerNotHealthy   = "ControllerNotHealthy"
	ReasonControllerRolledOut    = "ControllerRolledOut"
	ReasonControllerNotRolledOut = "ControllerNotRolledOut"
)

// Problem is a reason and a message for a condition that is not True.
type Problem struct {
	Reason  string
	Message string
}

// Outcome is what one reconciliation of an installation found; Conditions turns it into
// the installation's conditions.
type Outcome struct {
	// Registration is the name of the ControllerRegistration.
	Registration string
	// Invalid says why the installation cannot be installed: its registration,
	// deployment or seed is missing, or the chart is broken. Only Valid is reported then;
	// the other conditions keep what they said.
	Invalid *Problem
	// NothingToInstall is set when the registration names no ControllerDeployment.
	NothingToInstall bool
	// InstallError is why applying the chart or starting its processes failed.
	InstallError error
	// Unhealthy describes each process that does not run and each applied Deployment
	// that is not available.
	Unhealthy []string
	// Progressing describes each process that starts and each Deployment that rolls out.
	Progressing []string
}

// Conditions returns the conditions of an installation with outcome o, without times.
func Conditions(o Outcome) []gardencorev1beta1.Condition {
	cond := func(t gardencorev1beta1.ConditionType, s gardencorev1beta1.ConditionStatus, reason, message string) gardencorev1beta1.Condition {
		return gardencorev1beta1.Condition{Type: t, Status: s, Reason: reason, Message: message}
	}
	if o.Invalid != nil {
		return []gardencorev1beta1.Condition{
			cond(gardencorev1beta1.ControllerInstallationValid, gardencorev1beta1.ConditionFalse, o.Invalid.Reason, o.Invalid.Message),
		}
	}
	if o.NothingToInstall {
		msg := fmt.Sprintf("ControllerRegistration %q names no ControllerDeployment: the gardenlet installs nothing, the extension's controllers run by other means.", o.Registration)
		return []gardencorev1beta1.Condition{
			cond(gardencorev1beta1.ControllerInstallationValid, gardencorev1beta1.ConditionTrue, ReasonRegistrationValid, fmt.Sprintf("ControllerRegistration %q exists.", o.Registration)),
			cond(gardencorev1beta1.ControllerInstallationInstalled, gardencorev1beta1.ConditionTrue, ReasonNothingToInstall, msg),
			cond(gardencorev1beta1.ControllerInstallationHealthy, gardencorev1beta1.ConditionTrue, ReasonNothingToInstall, msg),
			cond(gardencorev1beta1.ControllerInstallationProgressing, gardencorev1beta1.ConditionFalse, ReasonNothingToInstall, msg),
		}
	}
	valid := cond(gardencorev1beta1.ControllerInstallationValid, gardencorev1beta1.ConditionTrue, ReasonRegistrationValid, "The chart of the ControllerDeployment was rendered.")
	if o.InstallError != nil {
		msg := "Not assessed: the installation failed."
		return []gardencorev1beta1.Condition{
			valid,
			cond(gardencorev1beta1.ControllerInstallationInstalled, gardencorev1beta1.ConditionFalse, ReasonInstallationFailed, o.InstallError.Error()),
			cond(gardencorev1beta1.ControllerInstallationHealthy, gardencorev1beta1.ConditionUnknown, ReasonInstallationFailed, msg),
			cond(gardencorev1beta1.ControllerInstallationProgressing, gardencorev1beta1.ConditionUnknown, ReasonInstallationFailed, msg),
		}
	}
	out := []gardencorev1beta1.Condition{
		valid,
		cond(gardencorev1beta1.ControllerInstallationInstalled, gardencorev1beta1.ConditionTrue, ReasonInstallationSuccessful, "The chart was applied to the seed and its processes were started."),
	}
	if len(o.Unhealthy) > 0 {
		out = append(out, cond(gardencorev1beta1.ControllerInstallationHealthy, gardencorev1beta1.ConditionFalse, ReasonControllerNotHealthy, strings.Join(o.Unhealthy, "; ")+"."))
	} else {
		out = append(out, cond(gardencorev1beta1.ControllerInstallationHealthy, gardencorev1beta1.ConditionTrue, ReasonControllerHealthy, "Every process of the extension runs and every Deployment is available."))
	}
	if len(o.Progressing) > 0 {
		out = append(out, cond(gardencorev1beta1.ControllerInstallationProgressing, gardencorev1beta1.ConditionTrue, ReasonControllerNotRolledOut, strings.Join(o.Progressing, "; ")+"."))
	} else {
		out = append(out, cond(gardencorev1beta1.ControllerInstallationProgressing, gardencorev1beta1.ConditionFalse, ReasonControllerRolledOut, "The extension is rolled out."))
	}
	return out
}
