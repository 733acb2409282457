package validation

import (
	"fmt"
	"regexp"

	"github.com/Masterminds/semver/v3"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gardener/gardener/pkg/apis/core"
)

var (
	// kubernetesVersionRegex is Gardener's format for Kubernetes versions offered by a cloud profile.
	kubernetesVersionRegex = regexp.MustCompile(`^([0-9]+\.){2}[0-9]+$`)

	// availableClassifications may be set directly; "expired" only appears as a lifecycle stage.
	availableClassifications = sets.New(core.ClassificationPreview, core.ClassificationSupported, core.ClassificationDeprecated)
	// lifecycleOrder ranks the stages of a version's lifecycle, which must appear in this order.
	lifecycleOrder = map[core.VersionClassification]int{
		core.ClassificationPreview:    1,
		core.ClassificationSupported:  2,
		core.ClassificationDeprecated: 3,
		core.ClassificationExpired:    4,
	}
	availableMachineImageUpdateStrategies = sets.New(core.UpdateStrategyPatch, core.UpdateStrategyMinor, core.UpdateStrategyMajor)
)

// ValidateCloudProfile validates a CloudProfile on creation, and is part of ValidateCloudProfileUpdate.
func ValidateCloudProfile(cloudProfile *core.CloudProfile) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&cloudProfile.ObjectMeta, false, apivalidation.NameIsDNSSubdomain, metadataPath)
	allErrs = append(allErrs, ValidateCloudProfileSpec(&cloudProfile.Spec, field.NewPath("spec"))...)
	return allErrs
}

// ValidateCloudProfileUpdate validates an update of a CloudProfile: the new CloudProfile as in
// ValidateCloudProfile and the ObjectMeta update rules.
func ValidateCloudProfileUpdate(newCloudProfile, oldCloudProfile *core.CloudProfile) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newCloudProfile.ObjectMeta, &oldCloudProfile.ObjectMeta, metadataPath)
	allErrs = append(allErrs, ValidateCloudProfile(newCloudProfile)...)
	return allErrs
}

// ValidateCloudProfileSpec validates a complete cloud profile specification at fldPath: that of a CloudProfile,
// or the merged one in a NamespacedCloudProfile's status. It needs a provider type, at least one Kubernetes
// version, machine image, machine type and region, each of them unique.
func ValidateCloudProfileSpec(spec *core.CloudProfileSpec, fldPath *field.Path) field.ErrorList {
	var (
		allErrs         field.ErrorList
		hasCapabilities = len(spec.MachineCapabilities) > 0
	)

	allErrs = append(allErrs, validateRequired(spec.Type, fldPath.Child("type"))...)
	allErrs = append(allErrs, validateCapabilityDefinitions(spec.MachineCapabilities, fldPath.Child("machineCapabilities"))...)

	versionsPath := fldPath.Child("kubernetes", "versions")
	if len(spec.Kubernetes.Versions) == 0 {
		allErrs = append(allErrs, field.Required(versionsPath, "must offer at least one Kubernetes version"))
	}
	allErrs = append(allErrs, validateKubernetesVersions(spec.Kubernetes.Versions, versionsPath)...)
	allErrs = append(allErrs, validateLatestKubernetesVersionDoesNotExpire(spec.Kubernetes.Versions, versionsPath)...)

	imagesPath := fldPath.Child("machineImages")
	if len(spec.MachineImages) == 0 {
		allErrs = append(allErrs, field.Required(imagesPath, "must offer at least one machine image"))
	}
	allErrs = append(allErrs, validateMachineImages(spec.MachineImages, imagesPath)...)
	allErrs = append(allErrs, validateMachineImagesComplete(spec.MachineImages, hasCapabilities, imagesPath)...)

	typesPath := fldPath.Child("machineTypes")
	if len(spec.MachineTypes) == 0 {
		allErrs = append(allErrs, field.Required(typesPath, "must offer at least one machine type"))
	}
	allErrs = append(allErrs, validateMachineTypes(spec.MachineTypes, typesPath)...)
	if !hasCapabilities {
		for i, machineType := range spec.MachineTypes {
			if machineType.Architecture == nil || *machineType.Architecture == "" {
				allErrs = append(allErrs, field.Required(typesPath.Index(i).Child("architecture"), ""))
			}
		}
	}

	allErrs = append(allErrs, validateVolumeTypes(spec.VolumeTypes, fldPath.Child("volumeTypes"))...)
	allErrs = append(allErrs, validateRegions(spec.Regions, fldPath.Child("regions"))...)
	allErrs = append(allErrs, validateSeedSelector(spec.SeedSelector, fldPath.Child("seedSelector"))...)
	allErrs = append(allErrs, validateLimits(spec.Limits, fldPath.Child("limits"))...)

	return allErrs
}

// validateKubernetesVersions requires major.minor.patch versions, each offered once, with valid classifications.
func validateKubernetesVersions(versions []core.ExpirableVersion, fldPath *field.Path) field.ErrorList {
	var (
		allErrs field.ErrorList
		seen    = sets.New[string]()
	)
	for i, version := range versions {
		idxPath := fldPath.Index(i)
		switch {
		case !kubernetesVersionRegex.MatchString(version.Version):
			allErrs = append(allErrs, field.Invalid(idxPath.Child("version"), version.Version, "must have the form major.minor.patch, e.g. 1.33.2"))
		case seen.Has(version.Version):
			allErrs = append(allErrs, field.Duplicate(idxPath.Child("version"), version.Version))
		}
		seen.Insert(version.Version)
		allErrs = append(allErrs, validateExpirableVersion(&version, idxPath)...)
	}
	return allErrs
}

// validateLatestKubernetesVersionDoesNotExpire keeps at least the latest version available forever.
func validateLatestKubernetesVersionDoesNotExpire(versions []core.ExpirableVersion, fldPath *field.Path) field.ErrorList {
	latest := -1
	var latestVersion *semver.Version
	for i, version := range versions {
		v, err := semver.NewVersion(version.Version)
		if err != nil {
			continue
		}
		if latestVersion == nil || v.GreaterThan(latestVersion) {
			latest, latestVersion = i, v
		}
	}
	if latest >= 0 && versions[latest].ExpirationDate != nil {
		return field.ErrorList{field.Forbidden(fldPath.Index(latest).Child("expirationDate"), "the latest Kubernetes version must not expire")}
	}
	return nil
}

// validateExpirableVersion checks a version's classification: either a classification (preview, supported or
// deprecated) with an optional expiration date, or a lifecycle of stages in the order preview, supported,
// deprecated, expired, each stage once and, after the first one, with a start time no earlier than the stage
// before it.
func validateExpirableVersion(version *core.ExpirableVersion, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList

	hasLifecycle := len(version.Lifecycle) > 0
	if classification := version.Classification; classification != nil {
		switch {
		case hasLifecycle:
			allErrs = append(allErrs, field.Forbidden(fldPath.Child("classification"), "must not be set together with lifecycle"))
		case !availableClassifications.Has(*classification):
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("classification"), *classification, sets.List(availableClassifications)))
		}
	}
	if version.ExpirationDate != nil && hasLifecycle {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("expirationDate"), "must not be set together with lifecycle"))
	}

	var (
		seen           = sets.New[core.VersionClassification]()
		previousRank   int
		previousStage  *core.LifecycleStage
		lifecyclePaths = fldPath.Child("lifecycle")
	)
	for i := range version.Lifecycle {
		stage := &version.Lifecycle[i]
		idxPath := lifecyclePaths.Index(i)

		rank, known := lifecycleOrder[stage.Classification]
		switch {
		case !known:
			allErrs = append(allErrs, field.NotSupported(idxPath.Child("classification"), stage.Classification,
				[]core.VersionClassification{core.ClassificationPreview, core.ClassificationSupported, core.ClassificationDeprecated, core.ClassificationExpired}))
		case seen.Has(stage.Classification):
			allErrs = append(allErrs, field.Duplicate(idxPath.Child("classification"), stage.Classification))
		case rank < previousRank:
			allErrs = append(allErrs, field.Invalid(idxPath.Child("classification"), stage.Classification,
				"lifecycle stages must be in the order preview, supported, deprecated, expired"))
		}
		seen.Insert(stage.Classification)
		if known {
			previousRank = max(previousRank, rank)
		}

		if i > 0 {
			switch {
			case stage.StartTime == nil:
				allErrs = append(allErrs, field.Required(idxPath.Child("startTime"), "only the first lifecycle stage may omit its start time"))
			case previousStage.StartTime != nil && stage.StartTime.Before(previousStage.StartTime):
				allErrs = append(allErrs, field.Invalid(idxPath.Child("startTime"), stage.StartTime.String(), "must not be before the start time of the previous stage"))
			}
		}
		previousStage = stage
	}

	return allErrs
}

// validateMachineImages checks what any machine image list must satisfy: named images, each once, and versions
// that are semantic versions, each once per image.
func validateMachineImages(images []core.MachineImage, fldPath *field.Path) field.ErrorList {
	var (
		allErrs field.ErrorList
		names   = sets.New[string]()
	)

	for i := range images {
		image := &images[i]
		idxPath := fldPath.Index(i)
		namePath := idxPath.Child("name")

		if image.Name == "" {
			allErrs = append(allErrs, field.Required(namePath, ""))
		} else {
			allErrs = append(allErrs, validateUnprefixedQualifiedName(image.Name, namePath)...)
			if names.Has(image.Name) {
				allErrs = append(allErrs, field.Duplicate(namePath, image.Name))
			}
			names.Insert(image.Name)
		}

		if strategy := image.UpdateStrategy; strategy != nil && !availableMachineImageUpdateStrategies.Has(*strategy) {
			allErrs = append(allErrs, field.NotSupported(idxPath.Child("updateStrategy"), *strategy, sets.List(availableMachineImageUpdateStrategies)))
		}

		versions := sets.New[string]()
		for j := range image.Versions {
			version := &image.Versions[j]
			versionPath := idxPath.Child("versions").Index(j)
			allErrs = append(allErrs, validateMachineImageVersion(version, versionPath)...)
			if versions.Has(version.Version) {
				allErrs = append(allErrs, field.Duplicate(versionPath.Child("version"), version.Version))
			}
			versions.Insert(version.Version)
		}
	}

	return allErrs
}

func validateMachineImageVersion(version *core.MachineImageVersion, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList

	versionPath := fldPath.Child("version")
	if version.Version == "" {
		allErrs = append(allErrs, field.Required(versionPath, ""))
	} else if _, err := semver.NewVersion(version.Version); err != nil {
		allErrs = append(allErrs, field.Invalid(versionPath, version.Version,
			"must be a semantic version; map non-semantic image versions in the provider extension's configuration"))
	}
	allErrs = append(allErrs, validateExpirableVersion(&version.ExpirableVersion, fldPath)...)

	criNames := sets.New[core.CRIName]()
	for i, cri := range version.CRI {
		criPath := fldPath.Child("cri").Index(i)
		if !availableCRINames.Has(cri.Name) {
			allErrs = append(allErrs, field.NotSupported(criPath.Child("name"), cri.Name, sets.List(availableCRINames)))
		}
		if criNames.Has(cri.Name) {
			allErrs = append(allErrs, field.Duplicate(criPath.Child("name"), cri.Name))
		}
		criNames.Insert(cri.Name)

		runtimeTypes := sets.New[string]()
		for j, runtime := range cri.ContainerRuntimes {
			typePath := criPath.Child("containerRuntimes").Index(j).Child("type")
			if runtime.Type == "" {
				allErrs = append(allErrs, field.Required(typePath, ""))
				continue
			}
			allErrs = append(allErrs, validateUnprefixedQualifiedName(runtime.Type, typePath)...)
			if runtimeTypes.Has(runtime.Type) {
				allErrs = append(allErrs, field.Duplicate(typePath, runtime.Type))
			}
			runtimeTypes.Insert(runtime.Type)
		}
	}

	for i, arch := range version.Architectures {
		if !availableArchitectures.Has(arch) {
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("architectures").Index(i), arch, sets.List(availableArchitectures)))
		}
	}

	if constraint := version.KubeletVersionConstraint; constraint != nil {
		if _, err := semver.NewConstraint(*constraint); err != nil {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("kubeletVersionConstraint"), *constraint, fmt.Sprintf("must be a version constraint: %v", err)))
		}
	}
	if inPlace := version.InPlaceUpdates; inPlace != nil && inPlace.MinVersionForUpdate != nil {
		if _, err := semver.NewVersion(*inPlace.MinVersionForUpdate); err != nil {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("inPlaceUpdates", "minVersionForUpdate"), *inPlace.MinVersionForUpdate, "must be a semantic version"))
		}
	}

	return allErrs
}

// validateMachineImagesComplete adds what a complete cloud profile needs beyond validateMachineImages: every image
// has versions and an update strategy, every version a container runtime and, unless machine capabilities
// describe them, its architectures. The defaulting fills in the update strategy, the CRI and the architecture.
func validateMachineImagesComplete(images []core.MachineImage, hasCapabilities bool, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, image := range images {
		idxPath := fldPath.Index(i)
		if len(image.Versions) == 0 {
			allErrs = append(allErrs, field.Required(idxPath.Child("versions"), "must offer at least one version"))
		}
		if image.UpdateStrategy == nil {
			allErrs = append(allErrs, field.Required(idxPath.Child("updateStrategy"), ""))
		}
		for j, version := range image.Versions {
			versionPath := idxPath.Child("versions").Index(j)
			if len(version.CRI) == 0 {
				allErrs = append(allErrs, field.Required(versionPath.Child("cri"), "must name at least one container runtime interface"))
			}
			if !hasCapabilities && len(version.Architectures) == 0 {
				allErrs = append(allErrs, field.Required(versionPath.Child("architectures"), "must name at least one architecture"))
			}
		}
	}
	return allErrs
}

// validateMachineTypes requires named machine types, each once, with CPU and memory.
func validateMachineTypes(machineTypes []core.MachineType, fldPath *field.Path) field.ErrorList {
	var (
		allErrs field.ErrorList
		names   = sets.New[string]()
	)

	for i := range machineTypes {
		machineType := &machineTypes[i]
		idxPath := fldPath.Index(i)
		namePath := idxPath.Child("name")

		if machineType.Name == "" {
			allErrs = append(allErrs, field.Required(namePath, ""))
		} else {
			allErrs = append(allErrs, validateUnprefixedQualifiedName(machineType.Name, namePath)...)
			if names.Has(machineType.Name) {
				allErrs = append(allErrs, field.Duplicate(namePath, machineType.Name))
			}
			names.Insert(machineType.Name)
		}

		if machineType.CPU.IsZero() {
			allErrs = append(allErrs, field.Required(idxPath.Child("cpu"), "must be greater than 0"))
		}
		allErrs = append(allErrs, validateNonNegativeQuantity(machineType.CPU, idxPath.Child("cpu"))...)
		allErrs = append(allErrs, validateNonNegativeQuantity(machineType.GPU, idxPath.Child("gpu"))...)
		if machineType.Memory.IsZero() {
			allErrs = append(allErrs, field.Required(idxPath.Child("memory"), "must be greater than 0"))
		}
		allErrs = append(allErrs, validateNonNegativeQuantity(machineType.Memory, idxPath.Child("memory"))...)

		if arch := machineType.Architecture; arch != nil && *arch != "" && !availableArchitectures.Has(*arch) {
			allErrs = append(allErrs, field.NotSupported(idxPath.Child("architecture"), *arch, sets.List(availableArchitectures)))
		}

		if storage := machineType.Storage; storage != nil {
			storagePath := idxPath.Child("storage")
			switch {
			case storage.StorageSize == nil && storage.MinSize == nil:
				allErrs = append(allErrs, field.Required(storagePath, "must set either size or minSize"))
			case storage.StorageSize != nil && storage.MinSize != nil:
				allErrs = append(allErrs, field.Forbidden(storagePath, "must not set both size and minSize"))
			case storage.StorageSize != nil:
				allErrs = append(allErrs, validateNonNegativeQuantity(*storage.StorageSize, storagePath.Child("size"))...)
			default:
				allErrs = append(allErrs, validateNonNegativeQuantity(*storage.MinSize, storagePath.Child("minSize"))...)
			}
		}
	}

	return allErrs
}

// validateVolumeTypes requires named volume types, each once, with a class.
func validateVolumeTypes(volumeTypes []core.VolumeType, fldPath *field.Path) field.ErrorList {
	var (
		allErrs field.ErrorList
		names   = sets.New[string]()
	)
	for i, volumeType := range volumeTypes {
		idxPath := fldPath.Index(i)
		namePath := idxPath.Child("name")

		if volumeType.Name == "" {
			allErrs = append(allErrs, field.Required(namePath, ""))
		} else {
			allErrs = append(allErrs, validateUnprefixedQualifiedName(volumeType.Name, namePath)...)
			if names.Has(volumeType.Name) {
				allErrs = append(allErrs, field.Duplicate(namePath, volumeType.Name))
			}
			names.Insert(volumeType.Name)
		}

		if volumeType.Class == "" {
			allErrs = append(allErrs, field.Required(idxPath.Child("class"), ""))
		} else {
			allErrs = append(allErrs, validateUnprefixedQualifiedName(volumeType.Class, idxPath.Child("class"))...)
		}
		if volumeType.MinSize != nil {
			allErrs = append(allErrs, validateNonNegativeQuantity(*volumeType.MinSize, idxPath.Child("minSize"))...)
		}
	}
	return allErrs
}

// validateRegions requires at least one region; regions and the zones of each region are named once.
func validateRegions(regions []core.Region, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList

	if len(regions) == 0 {
		allErrs = append(allErrs, field.Required(fldPath, "must offer at least one region"))
	}

	names := sets.New[string]()
	for i, region := range regions {
		idxPath := fldPath.Index(i)
		namePath := idxPath.Child("name")
		switch {
		case region.Name == "":
			allErrs = append(allErrs, field.Required(namePath, ""))
		case names.Has(region.Name):
			allErrs = append(allErrs, field.Duplicate(namePath, region.Name))
		}
		names.Insert(region.Name)

		zones := sets.New[string]()
		for j, zone := range region.Zones {
			zonePath := idxPath.Child("zones").Index(j).Child("name")
			switch {
			case zone.Name == "":
				allErrs = append(allErrs, field.Required(zonePath, ""))
			case zones.Has(zone.Name):
				allErrs = append(allErrs, field.Duplicate(zonePath, zone.Name))
			}
			zones.Insert(zone.Name)
		}

		allErrs = append(allErrs, metav1validation.ValidateLabels(region.Labels, idxPath.Child("labels"))...)
	}

	return allErrs
}

// validateCapabilityDefinitions requires named capabilities, each once, with values.
func validateCapabilityDefinitions(definitions []core.CapabilityDefinition, fldPath *field.Path) field.ErrorList {
	var (
		allErrs field.ErrorList
		names   = sets.New[string]()
	)
	for i, definition := range definitions {
		idxPath := fldPath.Index(i)
		namePath := idxPath.Child("name")
		if definition.Name == "" {
			allErrs = append(allErrs, field.Required(namePath, ""))
		} else {
			allErrs = append(allErrs, validateUnprefixedQualifiedName(definition.Name, namePath)...)
			if names.Has(definition.Name) {
				allErrs = append(allErrs, field.Duplicate(namePath, definition.Name))
			}
			names.Insert(definition.Name)
		}
		if len(definition.Values) == 0 {
			allErrs = append(allErrs, field.Required(idxPath.Child("values"), ""))
		}
		for j, value := range definition.Values {
			if value == "" {
				allErrs = append(allErrs, field.Required(idxPath.Child("values").Index(j), ""))
			}
		}
	}
	return allErrs
}

func validateLimits(limits *core.Limits, fldPath *field.Path) field.ErrorList {
	if limits != nil && limits.MaxNodesTotal != nil && *limits.MaxNodesTotal <= 0 {
		return field.ErrorList{field.Invalid(fldPath.Child("maxNodesTotal"), *limits.MaxNodesTotal, "must be greater than 0")}
	}
	return nil
}
