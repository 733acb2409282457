package validation

import (
	"fmt"

	gardenletconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/gardenlet/v1alpha1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	"github.com/gardener/gardener/pkg/apis/seedmanagement"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// managedSeedOperations are the values of the gardener.cloud/operation annotation that a
// ManagedSeed accepts, as in Gardener.
var managedSeedOperations = sets.New(
	v1beta1constants.GardenerOperationReconcile,
	v1beta1constants.GardenerOperationRenewKubeconfig,
)

// ValidateManagedSeed validates a ManagedSeed on creation, and is part of
// ValidateManagedSeedUpdate: a DNS-label name in the garden namespace (Gardener's ManagedSeed
// admission plugin checks the namespace), a known operation annotation, the name of the
// shoot to register as seed, and a gardenlet configuration.
func ValidateManagedSeed(managedSeed *seedmanagement.ManagedSeed) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&managedSeed.ObjectMeta, true, apivalidation.NameIsDNSLabel, metadataPath)
	if managedSeed.Namespace != v1beta1constants.GardenNamespace {
		allErrs = append(allErrs, field.Invalid(metadataPath.Child("namespace"), managedSeed.Namespace, "namespace must be "+v1beta1constants.GardenNamespace))
	}
	if op, ok := managedSeed.Annotations[v1beta1constants.GardenerOperation]; ok && op != "" && !managedSeedOperations.Has(op) {
		allErrs = append(allErrs, field.NotSupported(metadataPath.Child("annotations").Key(v1beta1constants.GardenerOperation), op, sets.List(managedSeedOperations)))
	}

	specPath := field.NewPath("spec")
	if managedSeed.Spec.Shoot == nil {
		allErrs = append(allErrs, field.Required(specPath.Child("shoot"), "the shoot to register as seed is required"))
	} else if managedSeed.Spec.Shoot.Name == "" {
		allErrs = append(allErrs, field.Required(specPath.Child("shoot", "name"), "the shoot to register as seed is required"))
	}
	allErrs = append(allErrs, validateGardenlet(&managedSeed.Spec.Gardenlet, specPath.Child("gardenlet"))...)
	return allErrs
}

// ValidateManagedSeedUpdate validates an update of a ManagedSeed: the new ManagedSeed as in
// ValidateManagedSeed, the ObjectMeta update rules, an operation annotation that does not
// replace another one, and an unchanged shoot, bootstrap mechanism and mergeWithParent.
func ValidateManagedSeedUpdate(newManagedSeed, oldManagedSeed *seedmanagement.ManagedSeed) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newManagedSeed.ObjectMeta, &oldManagedSeed.ObjectMeta, metadataPath)
	newOp, oldOp := newManagedSeed.Annotations[v1beta1constants.GardenerOperation], oldManagedSeed.Annotations[v1beta1constants.GardenerOperation]
	if newOp != "" && oldOp != "" && newOp != oldOp {
		allErrs = append(allErrs, field.Forbidden(metadataPath.Child("annotations").Key(v1beta1constants.GardenerOperation),
			fmt.Sprintf("must not overwrite operation %q with %q", oldOp, newOp)))
	}

	specPath := field.NewPath("spec")
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newManagedSeed.Spec.Shoot, oldManagedSeed.Spec.Shoot, specPath.Child("shoot"))...)
	newGardenlet, oldGardenlet := newManagedSeed.Spec.Gardenlet, oldManagedSeed.Spec.Gardenlet
	gardenletPath := specPath.Child("gardenlet")
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newGardenlet.Bootstrap, oldGardenlet.Bootstrap, gardenletPath.Child("bootstrap"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newGardenlet.MergeWithParent, oldGardenlet.MergeWithParent, gardenletPath.Child("mergeWithParent"))...)
	allErrs = append(allErrs, ValidateManagedSeed(newManagedSeed)...)
	return allErrs
}

// validateGardenlet requires a gardenlet configuration of type GardenletConfiguration
// (v1alpha1, which the API decodes it to) without a seed name, which the ManagedSeed's name
// gives; a known bootstrap mechanism; and non-negative deployment counts.
func validateGardenlet(gardenlet *seedmanagement.GardenletConfig, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	configPath := fldPath.Child("config")
	switch config := gardenlet.Config.(type) {
	case nil:
		allErrs = append(allErrs, field.Required(configPath, "a GardenletConfiguration is required"))
	case *gardenletconfigv1alpha1.GardenletConfiguration:
		if config == nil {
			allErrs = append(allErrs, field.Required(configPath, "a GardenletConfiguration is required"))
		} else if config.SeedConfig != nil && config.SeedConfig.Name != "" {
			allErrs = append(allErrs, field.Forbidden(configPath.Child("seedConfig", "metadata", "name"), "the seed's name is the ManagedSeed's name"))
		}
	default:
		allErrs = append(allErrs, field.Invalid(configPath, fmt.Sprintf("%T", config), "must be a gardenlet.config.gardener.cloud/v1alpha1 GardenletConfiguration"))
	}

	if gardenlet.Bootstrap != nil {
		valid := []string{string(seedmanagement.BootstrapServiceAccount), string(seedmanagement.BootstrapToken), string(seedmanagement.BootstrapNone)}
		if !sets.New(valid...).Has(string(*gardenlet.Bootstrap)) {
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("bootstrap"), *gardenlet.Bootstrap, valid))
		}
	}
	if d := gardenlet.Deployment; d != nil {
		deploymentPath := fldPath.Child("deployment")
		if d.ReplicaCount != nil {
			allErrs = append(allErrs, apivalidation.ValidateNonnegativeField(int64(*d.ReplicaCount), deploymentPath.Child("replicaCount"))...)
		}
		if d.RevisionHistoryLimit != nil {
			allErrs = append(allErrs, apivalidation.ValidateNonnegativeField(int64(*d.RevisionHistoryLimit), deploymentPath.Child("revisionHistoryLimit"))...)
		}
	}
	return allErrs
}
