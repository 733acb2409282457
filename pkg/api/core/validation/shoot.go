package validation

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	// Hibernation schedules name IANA time zones; embedding the database makes their validation independent of
	// the host's /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/Masterminds/semver/v3"
	"github.com/robfig/cron/v3"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/gardener/gardener/pkg/apis/core"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	"github.com/gardener/gardener/pkg/apis/utils/timewindow"
)

const (
	// maxProjectAndShootNameLength is Gardener's limit on len(project name)+len(shoot name): both end up in the
	// technical ID "shoot--<project>--<shoot>", which names infrastructure resources with length limits.
	maxProjectAndShootNameLength = 21
	// generateNameSuffixLength is the length of the random suffix the API server appends to a generateName.
	generateNameSuffixLength = 5
	// maxWorkerNameLength is Gardener's limit on worker pool names, which become part of machine names.
	maxWorkerNameLength = 15
	// maxVolumeNameLength is Gardener's limit on data volume names.
	maxVolumeNameLength = 15

	workerlessDetail = "must not be set for a Shoot without workers"
)

var (
	availableShootPurposes = sets.New(
		core.ShootPurposeEvaluation,
		core.ShootPurposeTesting,
		core.ShootPurposeDevelopment,
		core.ShootPurposeProduction,
	)
	availableCloudProfileKinds = sets.New(
		v1beta1constants.CloudProfileReferenceKindCloudProfile,
		v1beta1constants.CloudProfileReferenceKindNamespacedCloudProfile,
	)
	availableWorkerUpdateStrategies = sets.New(core.AutoRollingUpdate, core.AutoInPlaceUpdate, core.ManualInPlaceUpdate)
	availableCRINames               = sets.New(core.CRINameContainerD)
	availableArchitectures          = sets.New(v1beta1constants.ValidArchitectures...)

	// volumeSizeRegex is Gardener's format for worker volume sizes: whole gibibytes.
	volumeSizeRegex = regexp.MustCompile(`^\d+Gi$`)
)

// ValidateShoot validates a Shoot on creation, and is part of ValidateShootUpdate. Fields Hortus does not act on
// are accepted as they are.
func ValidateShoot(shoot *core.Shoot) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&shoot.ObjectMeta, true, apivalidation.NameIsDNSLabel, metadataPath)
	allErrs = append(allErrs, validateNoConsecutiveHyphens(shoot.Name, metadataPath.Child("name"))...)
	allErrs = append(allErrs, validateShootSpec(&shoot.Spec, shoot.Namespace, field.NewPath("spec"))...)
	return allErrs
}

// ValidateShootNameLength enforces Gardener's limit on the combined length of the project name and the shoot
// name. It is separate from ValidateShoot because only admission knows the project of the Shoot's namespace.
func ValidateShootNameLength(projectName, shootName string) field.ErrorList {
	if len(projectName)+len(shootName) > maxProjectAndShootNameLength {
		return field.ErrorList{field.Invalid(metadataPath.Child("name"), shootName, fmt.Sprintf(
			"the shoot name and the project name together must not be longer than %d characters (project %q)",
			maxProjectAndShootNameLength, projectName))}
	}
	return nil
}

// ValidateShootGenerateNameLength is ValidateShootNameLength for a Shoot created with metadata.generateName: the
// limit leaves room for the random suffix.
func ValidateShootGenerateNameLength(projectName, generateName string) field.ErrorList {
	if limit := maxProjectAndShootNameLength - generateNameSuffixLength; len(projectName)+len(generateName) > limit {
		return field.ErrorList{field.Invalid(metadataPath.Child("generateName"), generateName, fmt.Sprintf(
			"the shoot generateName and the project name together must not be longer than %d characters (project %q)",
			limit, projectName))}
	}
	return nil
}

func validateShootSpec(spec *core.ShootSpec, namespace string, fldPath *field.Path) field.ErrorList {
	var (
		allErrs    field.ErrorList
		workerless = len(spec.Provider.Workers) == 0
	)

	allErrs = append(allErrs, validateShootCloudProfile(spec, fldPath)...)
	if spec.Region == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("region"), ""))
	}
	allErrs = append(allErrs, validateShootProvider(&spec.Provider, fldPath.Child("provider"))...)
	allErrs = append(allErrs, validateKubernetesVersion(spec.Kubernetes.Version, fldPath.Child("kubernetes", "version"))...)
	allErrs = append(allErrs, validateWorkerKubernetesVersions(spec, fldPath.Child("provider", "workers"))...)
	allErrs = append(allErrs, validateShootNetworking(spec.Networking, workerless, fldPath.Child("networking"))...)
	allErrs = append(allErrs, validateHibernation(spec.Hibernation, fldPath.Child("hibernation"))...)
	allErrs = append(allErrs, validateMaintenance(spec.Maintenance, fldPath.Child("maintenance"))...)
	allErrs = append(allErrs, validateShootPurpose(spec.Purpose, namespace, fldPath.Child("purpose"))...)

	if spec.SeedName != nil && *spec.SeedName == "" {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("seedName"), "", "must not be empty when set"))
	}

	return allErrs
}

// shootCloudProfile returns the Shoot's cloud profile reference, reading the deprecated cloudProfileName when
// cloudProfile is unset, and the path of the field it came from.
func shootCloudProfile(spec *core.ShootSpec, fldPath *field.Path) (*core.CloudProfileReference, *field.Path) {
	switch {
	case spec.CloudProfile != nil:
		return spec.CloudProfile, fldPath.Child("cloudProfile", "name")
	case spec.CloudProfileName != nil:
		return &core.CloudProfileReference{Kind: v1beta1constants.CloudProfileReferenceKindCloudProfile, Name: *spec.CloudProfileName}, fldPath.Child("cloudProfileName")
	default:
		return nil, fldPath.Child("cloudProfile", "name")
	}
}

// validateShootCloudProfile requires a reference to a CloudProfile or a NamespacedCloudProfile. As in Gardener,
// the registry strategy defaults an empty kind to CloudProfile before validation.
func validateShootCloudProfile(spec *core.ShootSpec, fldPath *field.Path) field.ErrorList {
	ref, namePath := shootCloudProfile(spec, fldPath)
	if ref == nil || ref.Name == "" {
		return field.ErrorList{field.Required(namePath, "must reference a CloudProfile or a NamespacedCloudProfile")}
	}
	if !availableCloudProfileKinds.Has(ref.Kind) {
		return field.ErrorList{field.NotSupported(fldPath.Child("cloudProfile", "kind"), ref.Kind, sets.List(availableCloudProfileKinds))}
	}
	return nil
}

func validateShootProvider(provider *core.Provider, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList

	if provider.Type == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("type"), ""))
	} else {
		allErrs = append(allErrs, validateDNSLabel(provider.Type, fldPath.Child("type"))...)
	}

	names := sets.New[string]()
	for i := range provider.Workers {
		worker := &provider.Workers[i]
		idxPath := fldPath.Child("workers").Index(i)

		allErrs = append(allErrs, validateWorker(worker, idxPath)...)
		if worker.Name != "" && names.Has(worker.Name) {
			allErrs = append(allErrs, field.Duplicate(idxPath.Child("name"), worker.Name))
		}
		names.Insert(worker.Name)
	}

	return allErrs
}

func validateWorker(worker *core.Worker, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList

	namePath := fldPath.Child("name")
	if worker.Name == "" {
		allErrs = append(allErrs, field.Required(namePath, ""))
	} else {
		allErrs = append(allErrs, validateDNSLabel(worker.Name, namePath)...)
		if len(worker.Name) > maxWorkerNameLength {
			allErrs = append(allErrs, field.TooLong(namePath, worker.Name, maxWorkerNameLength))
		}
	}

	if worker.Machine.Type == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("machine", "type"), ""))
	}
	// The image may be left out: admission defaults it from the cloud profile. A given image needs a name.
	if image := worker.Machine.Image; image != nil && image.Name == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("machine", "image", "name"), ""))
	}
	if arch := worker.Machine.Architecture; arch != nil && !availableArchitectures.Has(*arch) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("machine", "architecture"), *arch, sets.List(availableArchitectures)))
	}

	if worker.Minimum < 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("minimum"), worker.Minimum, "must not be negative"))
	}
	if worker.Maximum < 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("maximum"), worker.Maximum, "must not be negative"))
	}
	if worker.Minimum > worker.Maximum {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("minimum"), worker.Minimum, "minimum must not be greater than maximum"))
	}

	allErrs = append(allErrs, validateWorkerRollout(worker, fldPath)...)

	if cri := worker.CRI; cri != nil && !availableCRINames.Has(cri.Name) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("cri", "name"), cri.Name, sets.List(availableCRINames)))
	}
	allErrs = append(allErrs, validateWorkerVolumes(worker, fldPath)...)

	return allErrs
}

// validateWorkerRollout checks the rolling update parameters. A rolling update that may neither add nor remove a
// machine cannot make progress, so maxSurge and maxUnavailable must not both be zero (unset counts as zero, as
// the defaulting sets both). Manual in-place updates do not roll machines and ignore both.
func validateWorkerRollout(worker *core.Worker, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList

	strategy := ptr.Deref(worker.UpdateStrategy, core.AutoRollingUpdate)
	if !availableWorkerUpdateStrategies.Has(strategy) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("updateStrategy"), strategy, sets.List(availableWorkerUpdateStrategies)))
	}

	allErrs = append(allErrs, validateIntOrPercent(worker.MaxSurge, fldPath.Child("maxSurge"))...)
	allErrs = append(allErrs, validateIntOrPercent(worker.MaxUnavailable, fldPath.Child("maxUnavailable"))...)
	if percent, ok := percentValue(worker.MaxUnavailable); ok && percent > 100 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("maxUnavailable"), worker.MaxUnavailable.String(), "must not be greater than 100%"))
	}

	if strategy != core.ManualInPlaceUpdate && isZeroIntOrPercent(worker.MaxSurge) && isZeroIntOrPercent(worker.MaxUnavailable) {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("maxUnavailable"), intOrPercentString(worker.MaxUnavailable), "must not be 0 when maxSurge is 0"))
	}

	return allErrs
}

// validateIntOrPercent accepts a non-negative integer or a percentage such as "25%".
func validateIntOrPercent(value *intstr.IntOrString, fldPath *field.Path) field.ErrorList {
	if value == nil {
		return nil
	}
	switch value.Type {
	case intstr.Int:
		if value.IntVal < 0 {
			return field.ErrorList{field.Invalid(fldPath, value.IntVal, "must not be negative")}
		}
	case intstr.String:
		if len(utilvalidation.IsValidPercent(value.StrVal)) > 0 {
			return field.ErrorList{field.Invalid(fldPath, value.StrVal, "must be an integer or a percentage, e.g. 25%")}
		}
	}
	return nil
}

// percentValue returns the number of a valid percentage.
func percentValue(value *intstr.IntOrString) (int, bool) {
	if value == nil || value.Type != intstr.String || len(utilvalidation.IsValidPercent(value.StrVal)) > 0 {
		return 0, false
	}
	var percent int
	if _, err := fmt.Sscanf(value.StrVal, "%d%%", &percent); err != nil {
		return 0, false
	}
	return percent, true
}

func isZeroIntOrPercent(value *intstr.IntOrString) bool {
	if value == nil {
		return true
	}
	if percent, ok := percentValue(value); ok {
		return percent == 0
	}
	return value.Type == intstr.Int && value.IntVal == 0
}

func intOrPercentString(value *intstr.IntOrString) string {
	if value == nil {
		return "0"
	}
	return value.String()
}

func validateWorkerVolumes(worker *core.Worker, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList

	if volume := worker.Volume; volume != nil {
		if volume.Name != nil {
			allErrs = append(allErrs, validateVolumeName(*volume.Name, fldPath.Child("volume", "name"))...)
		}
		allErrs = append(allErrs, validateVolumeSize(volume.VolumeSize, fldPath.Child("volume", "size"))...)
	}

	if len(worker.DataVolumes) > 0 && worker.Volume == nil {
		allErrs = append(allErrs, field.Required(fldPath.Child("volume"), "a root volume is required when data volumes are set"))
	}
	names := sets.New[string]()
	for i, volume := range worker.DataVolumes {
		idxPath := fldPath.Child("dataVolumes").Index(i)
		allErrs = append(allErrs, validateVolumeName(volume.Name, idxPath.Child("name"))...)
		if names.Has(volume.Name) {
			allErrs = append(allErrs, field.Duplicate(idxPath.Child("name"), volume.Name))
		}
		names.Insert(volume.Name)
		allErrs = append(allErrs, validateVolumeSize(volume.VolumeSize, idxPath.Child("size"))...)
	}

	if name := worker.KubeletDataVolumeName; name != nil && !names.Has(*name) {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("kubeletDataVolumeName"), *name, "must name one of the data volumes"))
	}

	return allErrs
}

func validateVolumeName(name string, fldPath *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	allErrs := validateDNSLabel(name, fldPath)
	if len(name) > maxVolumeNameLength {
		allErrs = append(allErrs, field.TooLong(fldPath, name, maxVolumeNameLength))
	}
	return allErrs
}

func validateVolumeSize(size string, fldPath *field.Path) field.ErrorList {
	if !volumeSizeRegex.MatchString(size) {
		return field.ErrorList{field.Invalid(fldPath, size, "must be a whole number of gibibytes, e.g. 20Gi")}
	}
	return nil
}

// validateKubernetesVersion requires a semantic version. Admission may have completed a "major.minor" version
// from the cloud profile before validation; Masterminds' parser accepts both forms, as Gardener's does.
func validateKubernetesVersion(version string, fldPath *field.Path) field.ErrorList {
	if version == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	if _, err := semver.NewVersion(version); err != nil {
		return field.ErrorList{field.Invalid(fldPath, version, fmt.Sprintf("must be a semantic version, e.g. 1.33.2: %v", err))}
	}
	return nil
}

// maxWorkerVersionSkew is how many minor versions a worker pool's kubelet may be older
// than the control plane (Kubernetes' version skew policy).
const maxWorkerVersionSkew = 3

// validateWorkerKubernetesVersions checks the pools' own Kubernetes versions: a semantic
// version, not newer than the control plane's, and at most maxWorkerVersionSkew minor
// versions older.
func validateWorkerKubernetesVersions(spec *core.ShootSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	cp, cpErr := semver.NewVersion(spec.Kubernetes.Version)
	for i, w := range spec.Provider.Workers {
		if w.Kubernetes == nil || w.Kubernetes.Version == nil {
			continue
		}
		path := fldPath.Index(i).Child("kubernetes", "version")
		errs := validateKubernetesVersion(*w.Kubernetes.Version, path)
		if len(errs) > 0 || cpErr != nil {
			allErrs = append(allErrs, errs...)
			continue
		}
		v, _ := semver.NewVersion(*w.Kubernetes.Version)
		switch {
		case v.GreaterThan(cp):
			allErrs = append(allErrs, field.Forbidden(path, fmt.Sprintf("%s is newer than the control plane's version %s (spec.kubernetes.version); raise that first", v, cp)))
		case v.Major() != cp.Major() || cp.Minor()-v.Minor() > maxWorkerVersionSkew:
			allErrs = append(allErrs, field.Forbidden(path, fmt.Sprintf("%s is more than %d minor versions older than the control plane's version %s", v, maxWorkerVersionSkew, cp)))
		}
	}
	return allErrs
}

// validateShootNetworking checks the networking section: a Shoot with workers needs a network plugin type; a
// workerless Shoot has neither nodes nor pods, and may leave networking out. CIDRs must be canonical, of the
// configured IP family (single-stack only) and must not overlap each other.
func validateShootNetworking(networking *core.Networking, workerless bool, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList

	if networking == nil {
		if workerless {
			return nil
		}
		return field.ErrorList{field.Required(fldPath, "must be set for a Shoot with workers")}
	}

	if workerless {
		if networking.Type != nil {
			allErrs = append(allErrs, field.Forbidden(fldPath.Child("type"), workerlessDetail))
		}
		if networking.ProviderConfig != nil {
			allErrs = append(allErrs, field.Forbidden(fldPath.Child("providerConfig"), workerlessDetail))
		}
		if networking.Pods != nil {
			allErrs = append(allErrs, field.Forbidden(fldPath.Child("pods"), workerlessDetail))
		}
		if networking.Nodes != nil {
			allErrs = append(allErrs, field.Forbidden(fldPath.Child("nodes"), workerlessDetail))
		}
	} else if ptr.Deref(networking.Type, "") == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("type"), "must name the network plugin"))
	}

	if errs := validateIPFamilies(networking.IPFamilies, fldPath.Child("ipFamilies")); len(errs) > 0 {
		// Without valid families there is no family to check the CIDRs against.
		return append(allErrs, errs...)
	}

	cidrs := newNetworkCIDRs(networking.IPFamilies)
	nodes := cidrs.add(networking.Nodes, fldPath.Child("nodes"))
	pods := cidrs.add(networking.Pods, fldPath.Child("pods"))
	services := cidrs.add(networking.Services, fldPath.Child("services"))
	allErrs = append(allErrs, cidrs.errs...)
	allErrs = append(allErrs, validateNoOverlap(nodes, pods, services)...)

	return allErrs
}

// validateHibernation checks the hibernation schedules: standard five-field cron specs, each used once across all
// schedules, and an IANA time zone.
func validateHibernation(hibernation *core.Hibernation, fldPath *field.Path) field.ErrorList {
	if hibernation == nil {
		return nil
	}

	var (
		allErrs field.ErrorList
		seen    = sets.New[string]()
	)
	for i, schedule := range hibernation.Schedules {
		idxPath := fldPath.Child("schedules").Index(i)

		if schedule.Start == nil && schedule.End == nil {
			allErrs = append(allErrs, field.Required(idxPath.Child("start/end"), "either start or end must be set"))
		}
		if schedule.Start != nil {
			allErrs = append(allErrs, validateCronSpec(*schedule.Start, seen, idxPath.Child("start"))...)
		}
		if schedule.End != nil {
			allErrs = append(allErrs, validateCronSpec(*schedule.End, seen, idxPath.Child("end"))...)
		}
		if schedule.Location != nil {
			if _, err := time.LoadLocation(*schedule.Location); err != nil {
				allErrs = append(allErrs, field.Invalid(idxPath.Child("location"), *schedule.Location, fmt.Sprintf("must be an IANA time zone: %v", err)))
			}
		}
	}

	return allErrs
}

func validateCronSpec(spec string, seen sets.Set[string], fldPath *field.Path) field.ErrorList {
	// robfig/cron accepts a "CRON_TZ=" or "TZ=" prefix; the schedule's location is the only place for a time zone.
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return field.ErrorList{field.Invalid(fldPath, spec, "must not name a time zone; use location")}
	}
	if _, err := cron.ParseStandard(spec); err != nil {
		return field.ErrorList{field.Invalid(fldPath, spec, fmt.Sprintf("must be a standard cron spec: %v", err))}
	}
	if seen.Has(spec) {
		return field.ErrorList{field.Duplicate(fldPath, spec)}
	}
	seen.Insert(spec)
	return nil
}

// validateMaintenance checks the maintenance time window: begin and end in the format HHMMSS+ZZZZ, at least 30
// minutes and at most 6 hours apart. An end before the begin lies on the next day.
func validateMaintenance(maintenance *core.Maintenance, fldPath *field.Path) field.ErrorList {
	if maintenance == nil || maintenance.TimeWindow == nil {
		return nil
	}

	var (
		allErrs    field.ErrorList
		window     = maintenance.TimeWindow
		windowPath = fldPath.Child("timeWindow")
	)

	begin, err := timewindow.ParseMaintenanceTime(window.Begin)
	if err != nil {
		allErrs = append(allErrs, field.Invalid(windowPath.Child("begin"), window.Begin, "must have the format HHMMSS+ZZZZ, e.g. 220000+0100"))
	}
	end, err := timewindow.ParseMaintenanceTime(window.End)
	if err != nil {
		allErrs = append(allErrs, field.Invalid(windowPath.Child("end"), window.End, "must have the format HHMMSS+ZZZZ, e.g. 230000+0100"))
	}
	if len(allErrs) > 0 {
		return allErrs
	}

	duration := timewindow.NewMaintenanceTimeWindow(begin, end).Duration()
	value := window.Begin + "-" + window.End
	switch {
	case duration < core.MaintenanceTimeWindowDurationMinimum:
		allErrs = append(allErrs, field.Invalid(windowPath, value, fmt.Sprintf("must be at least %s long", core.MaintenanceTimeWindowDurationMinimum)))
	case duration > core.MaintenanceTimeWindowDurationMaximum:
		allErrs = append(allErrs, field.Invalid(windowPath, value, fmt.Sprintf("must be at most %s long", core.MaintenanceTimeWindowDurationMaximum)))
	}

	return allErrs
}

// validateShootPurpose accepts Gardener's purposes; "infrastructure" only for Shoots in the garden namespace.
func validateShootPurpose(purpose *core.ShootPurpose, namespace string, fldPath *field.Path) field.ErrorList {
	if purpose == nil {
		return nil
	}
	allowed := availableShootPurposes.Clone()
	if namespace == v1beta1constants.GardenNamespace {
		allowed.Insert(core.ShootPurposeInfrastructure)
	}
	if !allowed.Has(*purpose) {
		return field.ErrorList{field.NotSupported(fldPath, *purpose, sets.List(allowed))}
	}
	return nil
}
