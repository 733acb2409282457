package validation

import (
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gardener/gardener/pkg/apis/core"
)

// maxExposureClassHandlerLength is Gardener's limit on handler names, which become part of resource names.
const maxExposureClassHandlerLength = 34

// ValidateExposureClass validates an ExposureClass on creation, and is part of ValidateExposureClassUpdate: a
// handler that is a DNS label of at most 34 characters, and valid scheduling constraints.
func ValidateExposureClass(exposureClass *core.ExposureClass) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&exposureClass.ObjectMeta, false, apivalidation.NameIsDNSLabel, metadataPath)

	handlerPath := field.NewPath("handler")
	if exposureClass.Handler == "" {
		allErrs = append(allErrs, field.Required(handlerPath, ""))
	} else {
		allErrs = append(allErrs, validateDNSLabel(exposureClass.Handler, handlerPath)...)
		if len(exposureClass.Handler) > maxExposureClassHandlerLength {
			allErrs = append(allErrs, field.TooLong(handlerPath, exposureClass.Handler, maxExposureClassHandlerLength))
		}
	}

	if scheduling := exposureClass.Scheduling; scheduling != nil {
		schedulingPath := field.NewPath("scheduling")
		allErrs = append(allErrs, validateSeedSelector(scheduling.SeedSelector, schedulingPath.Child("seedSelector"))...)
		allErrs = append(allErrs, validateTolerations(scheduling.Tolerations, schedulingPath.Child("tolerations"))...)
	}

	return allErrs
}

// ValidateExposureClassUpdate validates an update of an ExposureClass: the new ExposureClass as in
// ValidateExposureClass, the ObjectMeta update rules, and an unchanged handler and scheduling.
func ValidateExposureClassUpdate(newExposureClass, oldExposureClass *core.ExposureClass) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newExposureClass.ObjectMeta, &oldExposureClass.ObjectMeta, metadataPath)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newExposureClass.Handler, oldExposureClass.Handler, field.NewPath("handler"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newExposureClass.Scheduling, oldExposureClass.Scheduling, field.NewPath("scheduling"))...)
	allErrs = append(allErrs, ValidateExposureClass(newExposureClass)...)
	return allErrs
}
