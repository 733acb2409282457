package validation

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gardener/gardener/pkg/apis/core"
)

// Group-version-kinds that credentials references and quota scopes may name.
var (
	secretGVK           = schema.GroupVersionKind{Version: "v1", Kind: "Secret"}
	internalSecretGVK   = schema.GroupVersionKind{Group: "core.gardener.cloud", Version: "v1beta1", Kind: "InternalSecret"}
	workloadIdentityGVK = schema.GroupVersionKind{Group: "security.gardener.cloud", Version: "v1alpha1", Kind: "WorkloadIdentity"}
	projectGVK          = schema.GroupVersionKind{Group: "core.gardener.cloud", Version: "v1beta1", Kind: "Project"}
	configMapGVK        = schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
)

var metadataPath = field.NewPath("metadata")

// validateDNSLabel reports an RFC 1123 label violation of value.
func validateDNSLabel(value string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, msg := range utilvalidation.IsDNS1123Label(value) {
		allErrs = append(allErrs, field.Invalid(fldPath, value, msg))
	}
	return allErrs
}

// validateDNSSubdomain reports an RFC 1123 subdomain violation of value.
func validateDNSSubdomain(value string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, msg := range utilvalidation.IsDNS1123Subdomain(value) {
		allErrs = append(allErrs, field.Invalid(fldPath, value, msg))
	}
	return allErrs
}

// validateNoConsecutiveHyphens rejects "--" in names that become part of Gardener's technical IDs
// ("shoot--<project>--<shoot>"), where a double hyphen separates the parts.
func validateNoConsecutiveHyphens(name string, fldPath *field.Path) field.ErrorList {
	if strings.Contains(name, "--") {
		return field.ErrorList{field.Invalid(fldPath, name, "must not contain two consecutive hyphens")}
	}
	return nil
}

// validateUnprefixedQualifiedName checks a qualified name (as for a label key) that has no "<prefix>/" part.
func validateUnprefixedQualifiedName(value string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, msg := range utilvalidation.IsQualifiedName(value) {
		allErrs = append(allErrs, field.Invalid(fldPath, value, msg))
	}
	if len(allErrs) == 0 && strings.Contains(value, "/") {
		allErrs = append(allErrs, field.Invalid(fldPath, value, "must not contain a prefix"))
	}
	return allErrs
}

// validateNonNegativeQuantity rejects a negative resource quantity.
func validateNonNegativeQuantity(q resource.Quantity, fldPath *field.Path) field.ErrorList {
	if q.Sign() < 0 {
		return field.ErrorList{field.Invalid(fldPath, q.String(), "must be greater than or equal to 0")}
	}
	return nil
}

// validateRequired reports a Required error when value is empty.
func validateRequired(value string, fldPath *field.Path) field.ErrorList {
	if value == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	return nil
}

// validateCredentialsRef checks a reference to a Secret, an InternalSecret or a WorkloadIdentity. All of
// apiVersion, kind, name and namespace are required; the namespace is defaulted from the referring object's
// namespace for the namespaced kinds that allow omitting it.
func validateCredentialsRef(ref corev1.ObjectReference, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList

	if ref.APIVersion == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("apiVersion"), "must refer to a Secret, InternalSecret or WorkloadIdentity"))
	}
	if ref.Kind == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("kind"), "must refer to a Secret, InternalSecret or WorkloadIdentity"))
	}
	if ref.APIVersion != "" && ref.Kind != "" {
		allowed := []schema.GroupVersionKind{secretGVK, internalSecretGVK, workloadIdentityGVK}
		if gvk := ref.GroupVersionKind(); !sets.New(allowed...).Has(gvk) {
			allErrs = append(allErrs, field.NotSupported(fldPath, gvk.String(), gvkStrings(allowed)))
		}
	}
	if ref.Name == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("name"), ""))
	} else {
		allErrs = append(allErrs, validateDNSSubdomain(ref.Name, fldPath.Child("name"))...)
	}
	if ref.Namespace == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("namespace"), ""))
	} else {
		allErrs = append(allErrs, validateNamespaceName(ref.Namespace, fldPath.Child("namespace"))...)
	}

	return allErrs
}

// validateOptionalNamespaceRef checks a reference that needs a name and may name a namespace, such as a
// binding's reference to a Quota.
func validateOptionalNamespaceRef(name, namespace string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if name == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("name"), ""))
	} else {
		allErrs = append(allErrs, validateDNSSubdomain(name, fldPath.Child("name"))...)
	}
	if namespace != "" {
		allErrs = append(allErrs, validateNamespaceName(namespace, fldPath.Child("namespace"))...)
	}
	return allErrs
}

func validateNamespaceName(namespace string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, msg := range apivalidation.ValidateNamespaceName(namespace, false) {
		allErrs = append(allErrs, field.Invalid(fldPath, namespace, msg))
	}
	return allErrs
}

// validateTolerations checks seed tolerations: keys are label names, values label values, and no key (or
// key=value pair) appears twice.
func validateTolerations(tolerations []core.Toleration, fldPath *field.Path) field.ErrorList {
	var (
		allErrs field.ErrorList
		seen    = sets.New[string]()
	)

	for i, toleration := range tolerations {
		idxPath := fldPath.Index(i)

		if toleration.Key == "" {
			allErrs = append(allErrs, field.Required(idxPath.Child("key"), ""))
		} else {
			allErrs = append(allErrs, metav1validation.ValidateLabelName(toleration.Key, idxPath.Child("key"))...)
		}
		id := toleration.Key
		if toleration.Value != nil {
			for _, msg := range utilvalidation.IsValidLabelValue(*toleration.Value) {
				allErrs = append(allErrs, field.Invalid(idxPath.Child("value"), *toleration.Value, msg))
			}
			id = toleration.Key + "=" + *toleration.Value
		}

		// A toleration without a value tolerates every value of its key, so it collides with any other
		// toleration of the same key.
		if seen.Has(id) || seen.Has(toleration.Key) {
			allErrs = append(allErrs, field.Duplicate(idxPath, id))
		}
		seen.Insert(id)
	}

	return allErrs
}

// validateSeedSelector checks an optional seed selector's label selector.
func validateSeedSelector(selector *core.SeedSelector, fldPath *field.Path) field.ErrorList {
	if selector == nil {
		return nil
	}
	return metav1validation.ValidateLabelSelector(&selector.LabelSelector, metav1validation.LabelSelectorValidationOptions{}, fldPath)
}

// validateExtensions checks a list of extensions: each has a type, a DNS label, used once.
func validateExtensions(extensions []core.Extension, fldPath *field.Path) field.ErrorList {
	var (
		allErrs field.ErrorList
		types   = sets.New[string]()
	)
	for i, extension := range extensions {
		typePath := fldPath.Index(i).Child("type")
		if extension.Type == "" {
			allErrs = append(allErrs, field.Required(typePath, ""))
			continue
		}
		allErrs = append(allErrs, validateDNSLabel(extension.Type, typePath)...)
		if types.Has(extension.Type) {
			allErrs = append(allErrs, field.Duplicate(typePath, extension.Type))
		}
		types.Insert(extension.Type)
	}
	return allErrs
}

func gvkStrings(gvks []schema.GroupVersionKind) []string {
	out := make([]string, 0, len(gvks))
	for _, gvk := range gvks {
		out = append(out, gvk.String())
	}
	return out
}

// immutableOnceSet reports a change of a pointer field that was already set.
func immutableOnceSet[T comparable](newValue, oldValue *T, fldPath *field.Path) field.ErrorList {
	if oldValue == nil {
		return nil
	}
	if newValue == nil || *newValue != *oldValue {
		return field.ErrorList{field.Invalid(fldPath, derefOrNil(newValue), fmt.Sprintf("field is immutable once set (was %v)", *oldValue))}
	}
	return nil
}

func derefOrNil[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
