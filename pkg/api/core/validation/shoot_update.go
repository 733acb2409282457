package validation

import (
	"fmt"
	"slices"

	"github.com/Masterminds/semver/v3"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/gardener/gardener/pkg/apis/core"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
)

// ValidateShootUpdate validates an update of a Shoot: the new Shoot as in ValidateShoot, the ObjectMeta update
// rules and the fields that must not change. spec.seedName is left to ValidateShootSeedNameUpdate and
// ValidateShootBindingUpdate, as which of the two applies depends on the subresource.
//
// Cloud profile changes are checked only as far as they can be without reading other objects: a reference to one
// CloudProfile cannot move to another CloudProfile. Gardener allows moving between a CloudProfile and its
// NamespacedCloudProfiles (and between NamespacedCloudProfiles of the same parent); admission has to look up the
// parents to enforce that.
func ValidateShootUpdate(newShoot, oldShoot *core.Shoot) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newShoot.ObjectMeta, &oldShoot.ObjectMeta, metadataPath)
	allErrs = append(allErrs, validateShootSpecUpdate(newShoot, oldShoot, field.NewPath("spec"))...)
	allErrs = append(allErrs, ValidateShoot(newShoot)...)
	return allErrs
}

// ValidateShootSeedNameUpdate forbids changing spec.seedName through the Shoot resource itself: a Shoot is
// scheduled, and rescheduled, only through the shoots/binding subresource. The registry strategy of the main
// resource calls it in ValidateUpdate, next to ValidateShootUpdate.
func ValidateShootSeedNameUpdate(newShoot, oldShoot *core.Shoot) field.ErrorList {
	if !ptr.Equal(newShoot.Spec.SeedName, oldShoot.Spec.SeedName) {
		return field.ErrorList{field.Forbidden(field.NewPath("spec", "seedName"), "can only be changed through the shoots/binding subresource")}
	}
	return nil
}

// ValidateShootBindingUpdate validates an update through the shoots/binding subresource: it sets or changes
// spec.seedName, never unsets it, and changes nothing else in the spec. The binding strategy calls it in
// ValidateUpdate, next to ValidateShootUpdate.
func ValidateShootBindingUpdate(newShoot, oldShoot *core.Shoot) field.ErrorList {
	seedNamePath := field.NewPath("spec", "seedName")

	if newShoot.Spec.SeedName == nil {
		if oldShoot.Spec.SeedName != nil {
			return field.ErrorList{field.Forbidden(seedNamePath, "must not be unset once the Shoot is scheduled")}
		}
		return field.ErrorList{field.Required(seedNamePath, "a binding must name a seed")}
	}

	newSpec := newShoot.Spec
	newSpec.SeedName = oldShoot.Spec.SeedName
	if !apiequality.Semantic.DeepEqual(newSpec, oldShoot.Spec) {
		return field.ErrorList{field.Forbidden(field.NewPath("spec"), "only spec.seedName may change through the shoots/binding subresource")}
	}
	return nil
}

func validateShootSpecUpdate(newShoot, oldShoot *core.Shoot, fldPath *field.Path) field.ErrorList {
	newSpec, oldSpec := &newShoot.Spec, &oldShoot.Spec

	if newShoot.DeletionTimestamp != nil && !apiequality.Semantic.DeepEqual(newSpec, oldSpec) {
		return field.ErrorList{field.Forbidden(fldPath, "must not change once the Shoot is being deleted")}
	}

	var allErrs field.ErrorList
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newSpec.Region, oldSpec.Region, fldPath.Child("region"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newSpec.Provider.Type, oldSpec.Provider.Type, fldPath.Child("provider", "type"))...)

	workersPath := fldPath.Child("provider", "workers")
	switch hadWorkers, hasWorkers := len(oldSpec.Provider.Workers) > 0, len(newSpec.Provider.Workers) > 0; {
	case hadWorkers && !hasWorkers:
		allErrs = append(allErrs, field.Forbidden(workersPath, "a Shoot with workers cannot become workerless"))
	case !hadWorkers && hasWorkers:
		allErrs = append(allErrs, field.Forbidden(workersPath, "a workerless Shoot cannot get workers"))
	}

	allErrs = append(allErrs, validateKubernetesVersionUpdate(newSpec.Kubernetes.Version, oldSpec.Kubernetes.Version, fldPath.Child("kubernetes", "version"))...)
	allErrs = append(allErrs, validateShootNetworkingUpdate(newSpec.Networking, oldSpec.Networking, fldPath.Child("networking"))...)
	allErrs = append(allErrs, validateShootCloudProfileUpdate(newSpec, oldSpec, fldPath)...)

	return allErrs
}

// validateKubernetesVersionUpdate forbids downgrades and upgrades that skip a minor version. Versions that do not
// parse are left to ValidateShoot.
func validateKubernetesVersionUpdate(newVersion, oldVersion string, fldPath *field.Path) field.ErrorList {
	newV, err := semver.NewVersion(newVersion)
	if err != nil {
		return nil
	}
	oldV, err := semver.NewVersion(oldVersion)
	if err != nil {
		return nil
	}

	if newV.LessThan(oldV) {
		return field.ErrorList{field.Forbidden(fldPath, fmt.Sprintf("must not be downgraded from %s", oldVersion))}
	}
	if afterNext := oldV.IncMinor().IncMinor(); !newV.LessThan(&afterNext) {
		return field.ErrorList{field.Forbidden(fldPath, fmt.Sprintf("must not skip a minor version when upgrading from %s", oldVersion))}
	}
	return nil
}

// validateShootNetworkingUpdate keeps the network plugin type and, once set, the node, pod and service CIDRs. The
// IP families may only move from IPv4 to dual-stack (IPv4 first) and back.
func validateShootNetworkingUpdate(newNetworking, oldNetworking *core.Networking, fldPath *field.Path) field.ErrorList {
	if oldNetworking == nil {
		return nil
	}
	if newNetworking == nil {
		return field.ErrorList{field.Forbidden(fldPath, "must not be removed once set")}
	}

	var allErrs field.ErrorList
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newNetworking.Type, oldNetworking.Type, fldPath.Child("type"))...)
	allErrs = append(allErrs, immutableOnceSet(newNetworking.Nodes, oldNetworking.Nodes, fldPath.Child("nodes"))...)
	allErrs = append(allErrs, immutableOnceSet(newNetworking.Pods, oldNetworking.Pods, fldPath.Child("pods"))...)
	allErrs = append(allErrs, immutableOnceSet(newNetworking.Services, oldNetworking.Services, fldPath.Child("services"))...)

	newFamilies, oldFamilies := ipFamiliesOrDefault(newNetworking.IPFamilies), ipFamiliesOrDefault(oldNetworking.IPFamilies)
	ipv4 := []core.IPFamily{core.IPFamilyIPv4}
	dualStack := []core.IPFamily{core.IPFamilyIPv4, core.IPFamilyIPv6}
	switch {
	case slices.Equal(newFamilies, oldFamilies):
	case slices.Equal(oldFamilies, ipv4) && slices.Equal(newFamilies, dualStack):
	case slices.Equal(oldFamilies, dualStack) && slices.Equal(newFamilies, ipv4):
	default:
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("ipFamilies"), fmt.Sprintf(
			"may only change between [IPv4] and [IPv4 IPv6], not from %v to %v", oldFamilies, newFamilies)))
	}

	return allErrs
}

func ipFamiliesOrDefault(families []core.IPFamily) []core.IPFamily {
	if len(families) == 0 {
		return []core.IPFamily{core.IPFamilyIPv4}
	}
	return families
}

// validateShootCloudProfileUpdate forbids moving from one CloudProfile to another: Gardener allows only changes
// within one hierarchy (a CloudProfile and the NamespacedCloudProfiles below it), and two different
// CloudProfiles are never in one hierarchy.
func validateShootCloudProfileUpdate(newSpec, oldSpec *core.ShootSpec, fldPath *field.Path) field.ErrorList {
	oldRef, _ := shootCloudProfile(oldSpec, fldPath)
	newRef, namePath := shootCloudProfile(newSpec, fldPath)
	if oldRef == nil || newRef == nil {
		return nil
	}

	// An empty kind is what the strategy defaults to CloudProfile.
	isCloudProfile := func(ref *core.CloudProfileReference) bool {
		return ref.Kind == "" || ref.Kind == v1beta1constants.CloudProfileReferenceKindCloudProfile
	}
	if isCloudProfile(oldRef) && isCloudProfile(newRef) && oldRef.Name != newRef.Name {
		return field.ErrorList{field.Forbidden(namePath, fmt.Sprintf(
			"must stay within the hierarchy of CloudProfile %q: only a NamespacedCloudProfile with that parent may replace it", oldRef.Name))}
	}
	return nil
}
