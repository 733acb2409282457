package validation

import (
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gardener/gardener/pkg/apis/core"
)

// ValidateShootState validates a ShootState on creation, and is part of ValidateShootStateUpdate: named gardener
// data, extension states with a kind, and resource data that refers to Secrets or ConfigMaps.
func ValidateShootState(shootState *core.ShootState) field.ErrorList {
	specPath := field.NewPath("spec")

	allErrs := apivalidation.ValidateObjectMeta(&shootState.ObjectMeta, true, apivalidation.NameIsDNSLabel, metadataPath)

	for i, data := range shootState.Spec.Gardener {
		allErrs = append(allErrs, validateRequired(data.Name, specPath.Child("gardener").Index(i).Child("name"))...)
	}

	for i, extension := range shootState.Spec.Extensions {
		idxPath := specPath.Child("extensions").Index(i)
		allErrs = append(allErrs, validateRequired(extension.Kind, idxPath.Child("kind"))...)
		if extension.Purpose != nil && *extension.Purpose == "" {
			allErrs = append(allErrs, field.Invalid(idxPath.Child("purpose"), "", "must not be empty when set"))
		}
		for j, resource := range extension.Resources {
			allErrs = append(allErrs, validateRequired(resource.Name, idxPath.Child("resources").Index(j).Child("name"))...)
		}
	}

	allowed := []schema.GroupVersionKind{secretGVK, configMapGVK}
	for i, resource := range shootState.Spec.Resources {
		idxPath := specPath.Child("resources").Index(i)
		allErrs = append(allErrs, validateRequired(resource.APIVersion, idxPath.Child("apiVersion"))...)
		allErrs = append(allErrs, validateRequired(resource.Kind, idxPath.Child("kind"))...)
		allErrs = append(allErrs, validateRequired(resource.Name, idxPath.Child("name"))...)
		if resource.APIVersion != "" && resource.Kind != "" {
			gvk := schema.FromAPIVersionAndKind(resource.APIVersion, resource.Kind)
			if !sets.New(allowed...).Has(gvk) {
				allErrs = append(allErrs, field.NotSupported(idxPath, gvk.String(), gvkStrings(allowed)))
			}
		}
	}

	return allErrs
}

// ValidateShootStateUpdate validates an update of a ShootState: the new ShootState as in ValidateShootState and
// the ObjectMeta update rules.
func ValidateShootStateUpdate(newShootState, oldShootState *core.ShootState) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newShootState.ObjectMeta, &oldShootState.ObjectMeta, metadataPath)
	allErrs = append(allErrs, ValidateShootState(newShootState)...)
	return allErrs
}
