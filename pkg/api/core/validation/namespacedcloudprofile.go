package validation

import (
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gardener/gardener/pkg/apis/core"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
)

// ValidateNamespacedCloudProfile validates a NamespacedCloudProfile on creation, and is part of
// ValidateNamespacedCloudProfileUpdate. Its spec only adds to or overrides its parent CloudProfile, so nothing
// but the parent is required; what it sets follows the CloudProfile rules, except that Kubernetes versions carry
// no classification (they inherit the parent's or only extend its expiration date).
func ValidateNamespacedCloudProfile(profile *core.NamespacedCloudProfile) field.ErrorList {
	specPath := field.NewPath("spec")

	allErrs := apivalidation.ValidateObjectMeta(&profile.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, metadataPath)

	parentPath := specPath.Child("parent")
	if profile.Spec.Parent.Kind != v1beta1constants.CloudProfileReferenceKindCloudProfile {
		allErrs = append(allErrs, field.NotSupported(parentPath.Child("kind"), profile.Spec.Parent.Kind, []string{v1beta1constants.CloudProfileReferenceKindCloudProfile}))
	}
	allErrs = append(allErrs, validateRequired(profile.Spec.Parent.Name, parentPath.Child("name"))...)

	if kubernetes := profile.Spec.Kubernetes; kubernetes != nil {
		versionsPath := specPath.Child("kubernetes", "versions")
		for i, version := range kubernetes.Versions {
			if version.Classification != nil {
				allErrs = append(allErrs, field.Forbidden(versionsPath.Index(i).Child("classification"), "must not be set in a NamespacedCloudProfile"))
			}
		}
		allErrs = append(allErrs, validateKubernetesVersions(kubernetes.Versions, versionsPath)...)
	}

	allErrs = append(allErrs, validateMachineImages(profile.Spec.MachineImages, specPath.Child("machineImages"))...)
	allErrs = append(allErrs, validateMachineTypes(profile.Spec.MachineTypes, specPath.Child("machineTypes"))...)
	allErrs = append(allErrs, validateVolumeTypes(profile.Spec.VolumeTypes, specPath.Child("volumeTypes"))...)
	allErrs = append(allErrs, validateLimits(profile.Spec.Limits, specPath.Child("limits"))...)

	return allErrs
}

// ValidateNamespacedCloudProfileUpdate validates an update of a NamespacedCloudProfile: the new profile as in
// ValidateNamespacedCloudProfile, the ObjectMeta update rules and an unchanged parent.
func ValidateNamespacedCloudProfileUpdate(newProfile, oldProfile *core.NamespacedCloudProfile) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newProfile.ObjectMeta, &oldProfile.ObjectMeta, metadataPath)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newProfile.Spec.Parent, oldProfile.Spec.Parent, field.NewPath("spec", "parent"))...)
	allErrs = append(allErrs, ValidateNamespacedCloudProfile(newProfile)...)
	return allErrs
}
