package validation

import (
	"fmt"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/gardener/gardener/pkg/apis/core"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
)

var (
	availableDeploymentPolicies = sets.New(
		core.ControllerDeploymentPolicyOnDemand,
		core.ControllerDeploymentPolicyAlways,
		core.ControllerDeploymentPolicyAlwaysExceptNoShoots,
	)
	availableClusterTypes                 = sets.New(core.ClusterTypeShoot, core.ClusterTypeSeed)
	availableLifecycleStrategies          = sets.New(core.BeforeKubeAPIServer, core.AfterKubeAPIServer)
	availableReconcileLifecycleStrategies = availableLifecycleStrategies.Clone().Insert(core.AfterWorker)
)

// ValidateControllerRegistration validates a ControllerRegistration on creation, and is part of
// ValidateControllerRegistrationUpdate: every resource has a known extension kind and a type, each kind and type
// pair is registered once, and the Extension-only fields appear only on Extension resources.
func ValidateControllerRegistration(registration *core.ControllerRegistration) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&registration.ObjectMeta, false, apivalidation.NameIsDNSLabel, metadataPath)
	allErrs = append(allErrs, validateControllerRegistrationSpec(&registration.Spec, field.NewPath("spec"))...)
	return allErrs
}

// ValidateControllerRegistrationUpdate validates an update of a ControllerRegistration: the new registration as
// in ValidateControllerRegistration, the ObjectMeta update rules, an unchanged primary flag per kind and type,
// and no spec change once it is being deleted.
func ValidateControllerRegistrationUpdate(newRegistration, oldRegistration *core.ControllerRegistration) field.ErrorList {
	specPath := field.NewPath("spec")

	allErrs := apivalidation.ValidateObjectMetaUpdate(&newRegistration.ObjectMeta, &oldRegistration.ObjectMeta, metadataPath)
	if newRegistration.DeletionTimestamp != nil && !apiequality.Semantic.DeepEqual(newRegistration.Spec, oldRegistration.Spec) {
		allErrs = append(allErrs, field.Forbidden(specPath, "must not change once the ControllerRegistration is being deleted"))
	}

	oldPrimary := make(map[string]*bool, len(oldRegistration.Spec.Resources))
	for _, resource := range oldRegistration.Spec.Resources {
		oldPrimary[resourceID(resource)] = resource.Primary
	}
	for i, resource := range newRegistration.Spec.Resources {
		if primary, ok := oldPrimary[resourceID(resource)]; ok && ptr.Deref(primary, true) != ptr.Deref(resource.Primary, true) {
			allErrs = append(allErrs, field.Invalid(specPath.Child("resources").Index(i).Child("primary"), ptr.Deref(resource.Primary, true), "field is immutable"))
		}
	}

	allErrs = append(allErrs, ValidateControllerRegistration(newRegistration)...)
	return allErrs
}

func resourceID(resource core.ControllerResource) string {
	return resource.Kind + "/" + resource.Type
}

func validateControllerRegistrationSpec(spec *core.ControllerRegistrationSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList

	allErrs = append(allErrs, validateControllerResources(spec.Resources, fldPath.Child("resources"))...)

	if deployment := spec.Deployment; deployment != nil {
		deploymentPath := fldPath.Child("deployment")

		if policy := deployment.Policy; policy != nil && !availableDeploymentPolicies.Has(*policy) {
			allErrs = append(allErrs, field.NotSupported(deploymentPath.Child("policy"), *policy, sets.List(availableDeploymentPolicies)))
		}

		if deployment.SeedSelector != nil {
			selectorPath := deploymentPath.Child("seedSelector")
			for _, resource := range spec.Resources {
				if ptr.Deref(resource.Primary, true) {
					allErrs = append(allErrs, field.Forbidden(selectorPath, "must not be set when the registration controls resources primarily"))
					break
				}
			}
			allErrs = append(allErrs, metav1validation.ValidateLabelSelector(deployment.SeedSelector, metav1validation.LabelSelectorValidationOptions{}, selectorPath)...)
		}

		refsPath := deploymentPath.Child("deploymentRefs")
		if len(deployment.DeploymentRefs) > 1 {
			allErrs = append(allErrs, field.TooMany(refsPath, len(deployment.DeploymentRefs), 1))
		}
		for i, ref := range deployment.DeploymentRefs {
			allErrs = append(allErrs, validateRequired(ref.Name, refsPath.Index(i).Child("name"))...)
		}
	}

	return allErrs
}

func validateControllerResources(resources []core.ControllerResource, fldPath *field.Path) field.ErrorList {
	var (
		allErrs field.ErrorList
		seen    = sets.New[string]()
	)

	for i, resource := range resources {
		idxPath := fldPath.Index(i)

		if resource.Kind == "" {
			allErrs = append(allErrs, field.Required(idxPath.Child("kind"), ""))
		} else if !extensionsv1alpha1.AllExtensionKinds.Has(resource.Kind) {
			allErrs = append(allErrs, field.NotSupported(idxPath.Child("kind"), resource.Kind, sets.List(extensionsv1alpha1.AllExtensionKinds)))
		}
		allErrs = append(allErrs, validateRequired(resource.Type, idxPath.Child("type"))...)

		if id := resourceID(resource); seen.Has(id) {
			allErrs = append(allErrs, field.Duplicate(idxPath, id))
		} else {
			seen.Insert(id)
		}

		if resource.Kind != extensionsv1alpha1.ExtensionResource {
			detail := fmt.Sprintf("may only be set when kind is %s", extensionsv1alpha1.ExtensionResource)
			if len(resource.AutoEnable) > 0 {
				allErrs = append(allErrs, field.Forbidden(idxPath.Child("autoEnable"), detail))
			}
			if len(resource.ClusterCompatibility) > 0 {
				allErrs = append(allErrs, field.Forbidden(idxPath.Child("clusterCompatibility"), detail))
			}
			if resource.ReconcileTimeout != nil {
				allErrs = append(allErrs, field.Forbidden(idxPath.Child("reconcileTimeout"), detail))
			}
			if resource.Lifecycle != nil {
				allErrs = append(allErrs, field.Forbidden(idxPath.Child("lifecycle"), detail))
			}
			continue
		}

		allErrs = append(allErrs, validateExtensionResource(&resource, idxPath)...)
	}

	return allErrs
}

// validateExtensionResource checks the fields only an Extension resource has: the cluster types it supports, those
// it is enabled for automatically (a subset), and its lifecycle strategies.
func validateExtensionResource(resource *core.ControllerResource, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList

	compatible := sets.New[core.ClusterType]()
	for i, clusterType := range resource.ClusterCompatibility {
		idxPath := fldPath.Child("clusterCompatibility").Index(i)
		if !availableClusterTypes.Has(clusterType) {
			allErrs = append(allErrs, field.NotSupported(idxPath, clusterType, sets.List(availableClusterTypes)))
		}
		if compatible.Has(clusterType) {
			allErrs = append(allErrs, field.Duplicate(idxPath, clusterType))
		}
		compatible.Insert(clusterType)
	}

	autoEnabled := sets.New[core.ClusterType]()
	for i, clusterType := range resource.AutoEnable {
		idxPath := fldPath.Child("autoEnable").Index(i)
		switch {
		case !availableClusterTypes.Has(clusterType):
			allErrs = append(allErrs, field.NotSupported(idxPath, clusterType, sets.List(availableClusterTypes)))
		case !compatible.Has(clusterType):
			allErrs = append(allErrs, field.Forbidden(idxPath, fmt.Sprintf("cluster type %q is not listed in clusterCompatibility", clusterType)))
		}
		if autoEnabled.Has(clusterType) {
			allErrs = append(allErrs, field.Duplicate(idxPath, clusterType))
		}
		autoEnabled.Insert(clusterType)
	}

	if lifecycle := resource.Lifecycle; lifecycle != nil {
		lifecyclePath := fldPath.Child("lifecycle")
		if s := lifecycle.Reconcile; s != nil && !availableReconcileLifecycleStrategies.Has(*s) {
			allErrs = append(allErrs, field.NotSupported(lifecyclePath.Child("reconcile"), *s, sets.List(availableReconcileLifecycleStrategies)))
		}
		if s := lifecycle.Delete; s != nil && !availableLifecycleStrategies.Has(*s) {
			allErrs = append(allErrs, field.NotSupported(lifecyclePath.Child("delete"), *s, sets.List(availableLifecycleStrategies)))
		}
		if s := lifecycle.Migrate; s != nil && !availableLifecycleStrategies.Has(*s) {
			allErrs = append(allErrs, field.NotSupported(lifecyclePath.Child("migrate"), *s, sets.List(availableLifecycleStrategies)))
		}
	}

	return allErrs
}
