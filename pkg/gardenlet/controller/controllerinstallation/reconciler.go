package controllerinstallation

import (
	"context"
	"fmt"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/pkg/gardenlet/condition"
)

// ControllerName is the name of the controller.
const ControllerName = "controllerinstallation"

// Reasons of the installation conditions.
const (
	ReasonRegistrationValid    = "RegistrationValid"
	ReasonRegistrationNotFound = "RegistrationNotFound"
	// ReasonNothingToInstall: the registration names no ControllerDeployment, so the
	// extension's controllers run by other means and there is nothing to install.
	ReasonNothingToInstall = "NothingToInstall"
	// ReasonInstallationNotSupported: the installation names a ControllerDeployment, which
	// this gardenlet cannot install yet.
	ReasonInstallationNotSupported = "InstallationNotSupported"
)

// Reconciler reports the conditions Valid, Installed, Healthy and Progressing of the
// ControllerInstallations of its seed.
//
// An installation whose ControllerRegistration names no ControllerDeployment (it has no
// spec.deploymentRef) has nothing to install: it is Installed and Healthy with reason
// NothingToInstall, saying so. One with a ControllerDeployment is not Installed, with
// reason InstallationNotSupported: installing charts into the seed comes with the
// extension work of a later version.
type Reconciler struct {
	// GardenClient reads and writes ControllerInstallations and reads registrations.
	GardenClient client.Client
	// SeedName is the gardenlet's seed.
	SeedName string
	Clock    clock.Clock
}

// Reconcile updates the conditions of one installation.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	inst := &gardencorev1beta1.ControllerInstallation{}
	if err := r.GardenClient.Get(ctx, req.NamespacedName, inst); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if seedOf(inst) != r.SeedName || inst.DeletionTimestamp != nil {
		return reconcile.Result{}, nil
	}
	reg := &gardencorev1beta1.ControllerRegistration{}
	err := r.GardenClient.Get(ctx, client.ObjectKey{Name: inst.Spec.RegistrationRef.Name}, reg)
	if err != nil && !apierrors.IsNotFound(err) {
		return reconcile.Result{}, err
	}
	wanted := Conditions(inst, err == nil)
	now := r.Clock.Now()
	conditions := inst.Status.Conditions
	changed := false
	for _, c := range wanted {
		old := condition.Get(conditions, c.Type)
		if old == nil || old.Status != c.Status || old.Reason != c.Reason || old.Message != c.Message {
			conditions = condition.Set(conditions, c, now)
			changed = true
		}
	}
	if !changed {
		return reconcile.Result{}, nil
	}
	patch := client.MergeFromWithOptions(inst.DeepCopy(), client.MergeFromWithOptimisticLock{})
	inst.Status.Conditions = conditions
	if err := r.GardenClient.Status().Patch(ctx, inst, patch); err != nil {
		return reconcile.Result{}, fmt.Errorf("updating the conditions of ControllerInstallation %s: %w", inst.Name, err)
	}
	return reconcile.Result{}, nil
}

// Conditions returns the conditions the installation should have, without times, given
// whether its registration exists.
func Conditions(inst *gardencorev1beta1.ControllerInstallation, registrationExists bool) []gardencorev1beta1.Condition {
	cond := func(t gardencorev1beta1.ConditionType, s gardencorev1beta1.ConditionStatus, reason, message string) gardencorev1beta1.Condition {
		return gardencorev1beta1.Condition{Type: t, Status: s, Reason: reason, Message: message}
	}
	reg := inst.Spec.RegistrationRef.Name
	if !registrationExists {
		return []gardencorev1beta1.Condition{
			cond(gardencorev1beta1.ControllerInstallationValid, gardencorev1beta1.ConditionFalse, ReasonRegistrationNotFound,
				fmt.Sprintf("ControllerRegistration %q does not exist.", reg)),
		}
	}
	valid := cond(gardencorev1beta1.ControllerInstallationValid, gardencorev1beta1.ConditionTrue, ReasonRegistrationValid,
		fmt.Sprintf("ControllerRegistration %q exists.", reg))
	if inst.Spec.DeploymentRef == nil {
		msg := fmt.Sprintf("ControllerRegistration %q names no ControllerDeployment: the gardenlet installs nothing, the extension's controllers run by other means.", reg)
		return []gardencorev1beta1.Condition{
			valid,
			cond(gardencorev1beta1.ControllerInstallationInstalled, gardencorev1beta1.ConditionTrue, ReasonNothingToInstall, msg),
			cond(gardencorev1beta1.ControllerInstallationHealthy, gardencorev1beta1.ConditionTrue, ReasonNothingToInstall, msg),
			cond(gardencorev1beta1.ControllerInstallationProgressing, gardencorev1beta1.ConditionFalse, ReasonNothingToInstall, msg),
		}
	}
	msg := fmt.Sprintf("ControllerDeployment %q is not installed: this gardenlet cannot install ControllerDeployments into its seed yet.", inst.Spec.DeploymentRef.Name)
	return []gardencorev1beta1.Condition{
		valid,
		cond(gardencorev1beta1.ControllerInstallationInstalled, gardencorev1beta1.ConditionFalse, ReasonInstallationNotSupported, msg),
		cond(gardencorev1beta1.ControllerInstallationHealthy, gardencorev1beta1.ConditionUnknown, ReasonInstallationNotSupported, msg),
		cond(gardencorev1beta1.ControllerInstallationProgressing, gardencorev1beta1.ConditionFalse, ReasonInstallationNotSupported, msg),
	}
}

// seedOf returns the name of the installation's seed, or "".
func seedOf(inst *gardencorev1beta1.ControllerInstallation) string {
	if inst.Spec.SeedRef == nil {
		return ""
	}
	return inst.Spec.SeedRef.Name
}
