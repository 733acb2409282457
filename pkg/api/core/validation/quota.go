package validation

import (
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gardener/gardener/pkg/apis/core"
)

var (
	availableQuotaScopes  = []schema.GroupVersionKind{projectGVK, secretGVK, workloadIdentityGVK}
	availableQuotaMetrics = sets.New[corev1.ResourceName](
		core.QuotaMetricCPU,
		core.QuotaMetricGPU,
		core.QuotaMetricMemory,
		core.QuotaMetricStorageStandard,
		core.QuotaMetricStoragePremium,
		core.QuotaMetricLoadbalancer,
	)
)

// ValidateQuota validates a Quota on creation, and is part of ValidateQuotaUpdate: a scope of Project, Secret or
// WorkloadIdentity, known metrics with non-negative limits, and a positive cluster lifetime when set.
func ValidateQuota(quota *core.Quota) field.ErrorList {
	specPath := field.NewPath("spec")

	allErrs := apivalidation.ValidateObjectMeta(&quota.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, metadataPath)

	if days := quota.Spec.ClusterLifetimeDays; days != nil && *days < 1 {
		allErrs = append(allErrs, field.Invalid(specPath.Child("clusterLifetimeDays"), *days, "must be greater than 0"))
	}

	if gvk := quota.Spec.Scope.GroupVersionKind(); !sets.New(availableQuotaScopes...).Has(gvk) {
		allErrs = append(allErrs, field.NotSupported(specPath.Child("scope"), gvk.String(), gvkStrings(availableQuotaScopes)))
	}

	metricsPath := specPath.Child("metrics")
	for name, quantity := range quota.Spec.Metrics {
		keyPath := metricsPath.Key(string(name))
		if !availableQuotaMetrics.Has(name) {
			allErrs = append(allErrs, field.NotSupported(keyPath, name, sets.List(availableQuotaMetrics)))
		}
		allErrs = append(allErrs, validateNonNegativeQuantity(quantity, keyPath)...)
	}

	return allErrs
}

// ValidateQuotaUpdate validates an update of a Quota: the new Quota as in ValidateQuota, the ObjectMeta update
// rules and an unchanged scope.
func ValidateQuotaUpdate(newQuota, oldQuota *core.Quota) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newQuota.ObjectMeta, &oldQuota.ObjectMeta, metadataPath)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newQuota.Spec.Scope, oldQuota.Spec.Scope, field.NewPath("spec", "scope"))...)
	allErrs = append(allErrs, ValidateQuota(newQuota)...)
	return allErrs
}
