package validation

import (
	"strings"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/gardener/gardener/pkg/apis/core"
)

// ValidateControllerDeployment validates a ControllerDeployment on creation, and is part of
// ValidateControllerDeploymentUpdate: it is either a Helm deployment (a raw chart or an OCI repository) or a
// custom one with a type, never both.
func ValidateControllerDeployment(deployment *core.ControllerDeployment) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&deployment.ObjectMeta, false, apivalidation.NameIsDNSLabel, metadataPath)

	if helm := deployment.Helm; helm != nil {
		if deployment.Type != "" {
			allErrs = append(allErrs, field.Forbidden(field.NewPath("type"), "must not be set for a helm deployment"))
		}
		if deployment.ProviderConfig != nil {
			allErrs = append(allErrs, field.Forbidden(field.NewPath("providerConfig"), "must not be set for a helm deployment"))
		}
		allErrs = append(allErrs, validateHelmControllerDeployment(helm, field.NewPath("helm"))...)
	} else if deployment.Type == "" {
		allErrs = append(allErrs, field.Required(field.NewPath("type"), "must be set unless helm is"))
	}

	return allErrs
}

// ValidateControllerDeploymentUpdate validates an update of a ControllerDeployment: the new deployment as in
// ValidateControllerDeployment and the ObjectMeta update rules.
func ValidateControllerDeploymentUpdate(newDeployment, oldDeployment *core.ControllerDeployment) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newDeployment.ObjectMeta, &oldDeployment.ObjectMeta, metadataPath)
	allErrs = append(allErrs, ValidateControllerDeployment(newDeployment)...)
	return allErrs
}

func validateHelmControllerDeployment(helm *core.HelmControllerDeployment, fldPath *field.Path) field.ErrorList {
	hasChart, hasOCI := len(helm.RawChart) > 0, helm.OCIRepository != nil
	switch {
	case hasChart && hasOCI:
		return field.ErrorList{field.Forbidden(fldPath, "must not set both rawChart and ociRepository")}
	case !hasChart && !hasOCI:
		return field.ErrorList{field.Required(fldPath, "must set either rawChart or ociRepository")}
	case hasOCI:
		return validateOCIRepository(helm.OCIRepository, fldPath.Child("ociRepository"))
	}
	return nil
}

// validateOCIRepository accepts either a full ref, or a repository with a tag or digest.
func validateOCIRepository(oci *core.OCIRepository, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList

	if ptr.Deref(oci.Ref, "") != "" {
		for name, value := range map[string]*string{"repository": oci.Repository, "tag": oci.Tag, "digest": oci.Digest} {
			if ptr.Deref(value, "") != "" {
				allErrs = append(allErrs, field.Forbidden(fldPath.Child(name), "must not be set together with ref"))
			}
		}
		return allErrs
	}

	if ptr.Deref(oci.Repository, "") == "" {
		return field.ErrorList{field.Required(fldPath, "must set either ref or repository")}
	}
	if ptr.Deref(oci.Tag, "") == "" && ptr.Deref(oci.Digest, "") == "" {
		allErrs = append(allErrs, field.Required(fldPath, "must set tag or digest with repository"))
	}
	if digest := ptr.Deref(oci.Digest, ""); digest != "" && !strings.HasPrefix(digest, "sha256:") {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("digest"), digest, "must start with sha256:"))
	}
	return allErrs
}
