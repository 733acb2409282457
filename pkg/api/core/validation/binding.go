package validation

import (
	"strings"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gardener/gardener/pkg/apis/core"
	"github.com/gardener/gardener/pkg/apis/security"
)

// ValidateCredentialsBinding validates a CredentialsBinding on creation, and is part of
// ValidateCredentialsBindingUpdate: one provider type, and a reference to a Secret, InternalSecret or
// WorkloadIdentity.
func ValidateCredentialsBinding(binding *security.CredentialsBinding) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&binding.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, metadataPath)

	typePath := field.NewPath("provider", "type")
	switch {
	case binding.Provider.Type == "":
		allErrs = append(allErrs, field.Required(typePath, ""))
	case strings.Contains(binding.Provider.Type, ","):
		allErrs = append(allErrs, field.Invalid(typePath, binding.Provider.Type, "must name exactly one provider type"))
	}

	allErrs = append(allErrs, validateCredentialsRef(binding.CredentialsRef, field.NewPath("credentialsRef"))...)
	for i, quota := range binding.Quotas {
		allErrs = append(allErrs, validateOptionalNamespaceRef(quota.Name, quota.Namespace, field.NewPath("quotas").Index(i))...)
	}

	return allErrs
}

// ValidateCredentialsBindingUpdate validates an update of a CredentialsBinding: the new binding as in
// ValidateCredentialsBinding, the ObjectMeta update rules, and unchanged provider, credentials and quotas.
func ValidateCredentialsBindingUpdate(newBinding, oldBinding *security.CredentialsBinding) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newBinding.ObjectMeta, &oldBinding.ObjectMeta, metadataPath)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newBinding.Provider, oldBinding.Provider, field.NewPath("provider"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newBinding.CredentialsRef, oldBinding.CredentialsRef, field.NewPath("credentialsRef"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newBinding.Quotas, oldBinding.Quotas, field.NewPath("quotas"))...)
	allErrs = append(allErrs, ValidateCredentialsBinding(newBinding)...)
	return allErrs
}

// ValidateSecretBinding validates a SecretBinding on creation, and is part of ValidateSecretBindingUpdate: a
// provider type and a reference to a Secret.
func ValidateSecretBinding(binding *core.SecretBinding) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&binding.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, metadataPath)

	providerPath := field.NewPath("provider")
	switch {
	case binding.Provider == nil:
		allErrs = append(allErrs, field.Required(providerPath, ""))
	case binding.Provider.Type == "":
		allErrs = append(allErrs, field.Required(providerPath.Child("type"), ""))
	}

	allErrs = append(allErrs, validateOptionalNamespaceRef(binding.SecretRef.Name, binding.SecretRef.Namespace, field.NewPath("secretRef"))...)
	for i, quota := range binding.Quotas {
		allErrs = append(allErrs, validateOptionalNamespaceRef(quota.Name, quota.Namespace, field.NewPath("quotas").Index(i))...)
	}

	return allErrs
}

// ValidateSecretBindingUpdate validates an update of a SecretBinding: the new binding as in
// ValidateSecretBinding, the ObjectMeta update rules, and unchanged provider, secret and quotas.
func ValidateSecretBindingUpdate(newBinding, oldBinding *core.SecretBinding) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newBinding.ObjectMeta, &oldBinding.ObjectMeta, metadataPath)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newBinding.SecretRef, oldBinding.SecretRef, field.NewPath("secretRef"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newBinding.Quotas, oldBinding.Quotas, field.NewPath("quotas"))...)
	if oldBinding.Provider != nil {
		allErrs = append(allErrs, apivalidation.ValidateImmutableField(newBinding.Provider, oldBinding.Provider, field.NewPath("provider"))...)
	}
	allErrs = append(allErrs, ValidateSecretBinding(newBinding)...)
	return allErrs
}
