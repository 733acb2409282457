package validation

import (
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gardener/gardener/pkg/apis/core"
)

// ValidateControllerInstallation validates a ControllerInstallation on creation, and is part of
// ValidateControllerInstallationUpdate: it names its registration and exactly one of a seed or a shoot.
func ValidateControllerInstallation(installation *core.ControllerInstallation) field.ErrorList {
	specPath := field.NewPath("spec")

	allErrs := apivalidation.ValidateObjectMeta(&installation.ObjectMeta, false, apivalidation.NameIsDNSLabel, metadataPath)
	allErrs = append(allErrs, validateRequired(installation.Spec.RegistrationRef.Name, specPath.Child("registrationRef", "name"))...)

	switch seedRef, shootRef := installation.Spec.SeedRef, installation.Spec.ShootRef; {
	case seedRef == nil && shootRef == nil:
		allErrs = append(allErrs, field.Required(specPath.Child("seedRef"), "either seedRef or shootRef must be set"))
	case seedRef != nil && shootRef != nil:
		allErrs = append(allErrs, field.Forbidden(specPath.Child("seedRef"), "must not be set together with shootRef"))
	case seedRef != nil:
		allErrs = append(allErrs, validateRequired(seedRef.Name, specPath.Child("seedRef", "name"))...)
	default:
		allErrs = append(allErrs, validateRequired(shootRef.Name, specPath.Child("shootRef", "name"))...)
		allErrs = append(allErrs, validateRequired(shootRef.Namespace, specPath.Child("shootRef", "namespace"))...)
	}

	return allErrs
}

// ValidateControllerInstallationUpdate validates an update of a ControllerInstallation: the new installation as
// in ValidateControllerInstallation, the ObjectMeta update rules, and an unchanged registration, seed and shoot.
func ValidateControllerInstallationUpdate(newInstallation, oldInstallation *core.ControllerInstallation) field.ErrorList {
	specPath := field.NewPath("spec")
	newSpec, oldSpec := &newInstallation.Spec, &oldInstallation.Spec

	allErrs := apivalidation.ValidateObjectMetaUpdate(&newInstallation.ObjectMeta, &oldInstallation.ObjectMeta, metadataPath)
	if newInstallation.DeletionTimestamp != nil && !apiequality.Semantic.DeepEqual(newSpec, oldSpec) {
		allErrs = append(allErrs, field.Forbidden(specPath, "must not change once the ControllerInstallation is being deleted"))
	}
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newSpec.RegistrationRef.Name, oldSpec.RegistrationRef.Name, specPath.Child("registrationRef", "name"))...)

	if newSpec.SeedRef == nil || oldSpec.SeedRef == nil {
		allErrs = append(allErrs, apivalidation.ValidateImmutableField(newSpec.SeedRef, oldSpec.SeedRef, specPath.Child("seedRef"))...)
	} else {
		allErrs = append(allErrs, apivalidation.ValidateImmutableField(newSpec.SeedRef.Name, oldSpec.SeedRef.Name, specPath.Child("seedRef", "name"))...)
	}
	if newSpec.ShootRef == nil || oldSpec.ShootRef == nil {
		allErrs = append(allErrs, apivalidation.ValidateImmutableField(newSpec.ShootRef, oldSpec.ShootRef, specPath.Child("shootRef"))...)
	} else {
		allErrs = append(allErrs, apivalidation.ValidateImmutableField(newSpec.ShootRef.Name, oldSpec.ShootRef.Name, specPath.Child("shootRef", "name"))...)
		allErrs = append(allErrs, apivalidation.ValidateImmutableField(newSpec.ShootRef.Namespace, oldSpec.ShootRef.Namespace, specPath.Child("shootRef", "namespace"))...)
	}

	allErrs = append(allErrs, ValidateControllerInstallation(newInstallation)...)
	return allErrs
}
