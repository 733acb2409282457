package shootmutator

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/admission/cloudprofile"
	"github.com/hortus-dev/hortus/pkg/admission/reader"
)

// PluginName is the name of the plugin.
const PluginName = "ShootMutator"

// Register registers the plugin.
func Register(plugins *admission.Plugins) {
	plugins.Register(PluginName, func(io.Reader) (admission.Interface, error) { return New(), nil })
}

// Plugin defaults Shoots.
type Plugin struct {
	*reader.Handler
	// Clock tells the time at which versions expire.
	Clock clock.PassiveClock
}

var _ admission.MutationInterface = (*Plugin)(nil)

// New returns the plugin.
func New() *Plugin {
	return &Plugin{Handler: reader.NewHandler(admission.Create, admission.Update), Clock: clock.RealClock{}}
}

// Admit defaults creates and updates of Shoots; subresources are left alone.
func (p *Plugin) Admit(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetKind().GroupKind() != core.Kind("Shoot") || a.GetSubresource() != "" {
		return nil
	}
	if err := p.Ready(a); err != nil {
		return err
	}
	return Mutate(ctx, a, p.Cached(), p.Clock.Now())
}

// Mutate defaults the Shoot of a:
//   - on create, the gardener.cloud/created-by annotation and the tasks that the first
//     reconciliation runs;
//   - a missing maintenance time window (see MaintenanceWindow) and auto-update settings;
//   - an empty or MAJOR.MINOR Kubernetes version, of the Shoot and of its worker pools, to
//     the newest supported version of the cloud profile that matches;
//   - a worker pool's machine image and version to the profile's first image and its newest
//     supported version, keeping the image of an existing pool;
//   - on create, the pod and service networks, from the seed's shoot defaults or
//     Gardener's;
//   - spec.cloudProfile and spec.cloudProfileName, which Gardener keeps in sync.
//
// A missing cloud profile is an error on create; an update keeps what it has.
func Mutate(ctx context.Context, a admission.Attributes, r client.Reader, now time.Time) error {
	shoot, ok := a.GetObject().(*core.Shoot)
	if !ok {
		return apierrors.NewBadRequest("could not convert object to Shoot")
	}
	old := &core.Shoot{}
	if a.GetOperation() == admission.Update {
		if old, ok = a.GetOldObject().(*core.Shoot); !ok {
			return apierrors.NewBadRequest("could not convert old object to Shoot")
		}
	}
	if shoot.DeletionTimestamp != nil {
		return nil
	}

	create := a.GetOperation() == admission.Create
	if create {
		metav1.SetMetaDataAnnotation(&shoot.ObjectMeta, v1beta1constants.GardenCreatedBy, a.GetUserInfo().GetName())
		addTasks(shoot, v1beta1constants.ShootTaskDeployInfrastructure, v1beta1constants.ShootTaskDeployDNSRecordInternal,
			v1beta1constants.ShootTaskDeployDNSRecordExternal, v1beta1constants.ShootTaskDeployDNSRecordIngress)
	}
	defaultMaintenance(shoot)

	var allErrs field.ErrorList
	if create {
		allErrs = append(allErrs, checkCloudProfileFields(&shoot.Spec)...)
	}
	ref, refPath, ok := cloudprofile.Of(&shoot.Spec)
	if !ok {
		// The registry's validation requires the reference.
		return invalid(a, shoot, allErrs)
	}
	profile, err := cloudprofile.Get(ctx, r, shoot.Namespace, ref)
	switch {
	case apierrors.IsNotFound(err) && create:
		return invalid(a, shoot, append(allErrs, field.NotFound(refPath, ref.Name)))
	case apierrors.IsNotFound(err):
		return invalid(a, shoot, allErrs)
	case err != nil:
		return apierrors.NewInternalError(fmt.Errorf("reading the %s of the shoot: %w", ref, err))
	}

	allErrs = append(allErrs, defaultKubernetesVersions(shoot, profile, now)...)
	allErrs = append(allErrs, defaultMachineImages(shoot, old, profile, now)...)
	if create {
		if err := defaultNetworks(ctx, r, shoot); err != nil {
			return err
		}
	}
	syncCloudProfileFields(shoot, old, a.GetOperation() == admission.Update)
	return invalid(a, shoot, allErrs)
}

func invalid(a admission.Attributes, shoot *core.Shoot, errs field.ErrorList) error {
	if len(errs) == 0 {
		return nil
	}
	return apierrors.NewInvalid(a.GetKind().GroupKind(), shoot.Name, errs)
}

func addTasks(shoot *core.Shoot, tasks ...string) {
	var current []string
	if v := shoot.Annotations[v1beta1constants.ShootTasks]; v != "" {
		current = strings.Split(v, ",")
	}
	for _, t := range tasks {
		if !slices.Contains(current, t) {
			current = append(current, t)
		}
	}
	metav1.SetMetaDataAnnotation(&shoot.ObjectMeta, v1beta1constants.ShootTasks, strings.Join(current, ","))
}

// MaintenanceWindow returns the maintenance time window of a Shoot that has none: one hour
// that starts at the full hour between 22:00 and 05:00 UTC, chosen by a hash of the
// Shoot's namespace and name, so that the same Shoot always gets the same window and
// Shoots spread over the night. The times have Gardener's format HHMMSS+0000.
func MaintenanceWindow(namespace, name string) (begin, end string) {
	h := fnv.New32a()
	_, _ = h.Write([]byte(namespace + "/" + name))
	hour := (22 + int(h.Sum32()%8)) % 24
	return fmt.Sprintf("%02d0000+0000", hour), fmt.Sprintf("%02d0000+0000", (hour+1)%24)
}

// defaultMaintenance defaults the time window (see MaintenanceWindow) and the auto-update
// settings: Kubernetes patch versions, and machine image versions for Shoots with workers.
func defaultMaintenance(shoot *core.Shoot) {
	if shoot.Spec.Maintenance == nil {
		shoot.Spec.Maintenance = &core.Maintenance{}
	}
	m := shoot.Spec.Maintenance
	if m.TimeWindow == nil {
		name := shoot.Name
		if name == "" {
			name = shoot.GenerateName
		}
		begin, end := MaintenanceWindow(shoot.Namespace, name)
		m.TimeWindow = &core.MaintenanceTimeWindow{Begin: begin, End: end}
	}
	if m.AutoUpdate == nil {
		m.AutoUpdate = &core.MaintenanceAutoUpdate{KubernetesVersion: true}
	}
	if len(shoot.Spec.Provider.Workers) > 0 && m.AutoUpdate.MachineImageVersion == nil {
		m.AutoUpdate.MachineImageVersion = ptr.To(true)
	}
}

// checkCloudProfileFields refuses a new Shoot whose spec.cloudProfileName names another
// profile than spec.cloudProfile.
func checkCloudProfileFields(spec *core.ShootSpec) field.ErrorList {
	if spec.CloudProfile == nil || ptr.Deref(spec.CloudProfileName, "") == "" {
		return nil
	}
	kind := spec.CloudProfile.Kind
	if (kind == "" || kind == v1beta1constants.CloudProfileReferenceKindCloudProfile) && spec.CloudProfile.Name == *spec.CloudProfileName {
		return nil
	}
	return field.ErrorList{field.Invalid(field.NewPath("spec", "cloudProfileName"), *spec.CloudProfileName,
		"a new shoot may specify either cloudProfileName or cloudProfile, not two different profiles")}
}

// syncCloudProfileFields keeps spec.cloudProfile and the deprecated spec.cloudProfileName
// in sync as Gardener does: cloudProfile is filled from cloudProfileName (Gardener stops
// doing so from Kubernetes 1.34 on, where it forbids cloudProfileName), with the kind
// CloudProfile by default; cloudProfileName is filled from a CloudProfile reference for
// Kubernetes versions below 1.33 (or when it names another profile), is dropped from
// version 1.34 on when an update leaves it unchanged, and is cleared for a
// NamespacedCloudProfile.
func syncCloudProfileFields(shoot, old *core.Shoot, update bool) {
	spec := &shoot.Spec
	version, _ := semver.NewVersion(spec.Kubernetes.Version)
	from134 := version != nil && (version.Major() > 1 || version.Major() == 1 && version.Minor() >= 34)

	if spec.CloudProfile == nil && ptr.Deref(spec.CloudProfileName, "") != "" {
		spec.CloudProfile = &core.CloudProfileReference{Kind: v1beta1constants.CloudProfileReferenceKindCloudProfile, Name: *spec.CloudProfileName}
	}
	if spec.CloudProfile == nil {
		return
	}
	if spec.CloudProfile.Kind == "" {
		spec.CloudProfile.Kind = v1beta1constants.CloudProfileReferenceKindCloudProfile
	}
	if spec.CloudProfile.Kind != v1beta1constants.CloudProfileReferenceKindCloudProfile {
		spec.CloudProfileName = nil
		return
	}
	name := ptr.Deref(spec.CloudProfileName, "")
	if from134 {
		if update && name != "" && name == ptr.Deref(old.Spec.CloudProfileName, "") && name == spec.CloudProfile.Name {
			spec.CloudProfileName = nil
		}
		return
	}
	below133 := version == nil || version.Major() == 1 && version.Minor() < 33
	if below133 || name != "" && name != spec.CloudProfile.Name {
		spec.CloudProfileName = ptr.To(spec.CloudProfile.Name)
	}
}

// defaultKubernetesVersions completes the Kubernetes versions of the Shoot and its worker
// pools.
func defaultKubernetesVersions(shoot *core.Shoot, profile *gardencorev1beta1.CloudProfileSpec, now time.Time) field.ErrorList {
	var allErrs field.ErrorList
	path := field.NewPath("spec", "kubernetes", "version")
	if v, err := completeVersion(profile.Kubernetes.Versions, shoot.Spec.Kubernetes.Version, now, path); err != nil {
		allErrs = append(allErrs, err)
	} else {
		shoot.Spec.Kubernetes.Version = v
	}
	for i := range shoot.Spec.Provider.Workers {
		k := shoot.Spec.Provider.Workers[i].Kubernetes
		if k == nil || k.Version == nil {
			continue
		}
		path := field.NewPath("spec", "provider", "workers").Index(i).Child("kubernetes", "version")
		if v, err := completeVersion(profile.Kubernetes.Versions, *k.Version, now, path); err != nil {
			allErrs = append(allErrs, err)
		} else {
			k.Version = &v
		}
	}
	return allErrs
}

// completeVersion returns version when it is complete (MAJOR.MINOR.PATCH), and else the
// newest supported version of offered that has the given major and minor version, if any.
// Preview, deprecated and expired versions are not chosen.
func completeVersion(offered []gardencorev1beta1.ExpirableVersion, version string, now time.Time, path *field.Path) (string, *field.Error) {
	major, minor, complete, err := parsePartialVersion(version)
	if err != nil {
		return "", field.Invalid(path, version, err.Error())
	}
	if complete {
		return version, nil
	}
	var latest *semver.Version
	for _, o := range offered {
		if cloudprofile.Classification(o, now) != gardencorev1beta1.ClassificationSupported {
			continue
		}
		v, err := semver.NewVersion(o.Version)
		if err != nil || !matches(v, major, minor) {
			continue
		}
		if latest == nil || v.GreaterThan(latest) {
			latest = v
		}
	}
	if latest == nil {
		return "", field.Invalid(path, version, fmt.Sprintf("the cloud profile offers no supported version matching %q; "+
			"preview, deprecated and expired versions must be chosen explicitly", version))
	}
	return latest.Original(), nil
}

// parsePartialVersion reads "", "MAJOR", "MAJOR.MINOR" or a complete version, with an
// optional leading v.
func parsePartialVersion(version string) (major, minor *uint64, complete bool, err error) {
	if version == "" {
		return nil, nil, false, nil
	}
	parts := strings.Split(strings.TrimPrefix(version, "v"), ".")
	if len(parts) >= 3 {
		return nil, nil, true, nil
	}
	numbers := make([]*uint64, 2)
	for i, p := range parts {
		if p == "" && i == len(parts)-1 && i > 0 {
			continue
		}
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return nil, nil, false, fmt.Errorf("must be a semantic version, MAJOR.MINOR or empty: %q is not a number", p)
		}
		numbers[i] = &n
	}
	return numbers[0], numbers[1], false, nil
}

func matches(v *semver.Version, major, minor *uint64) bool {
	return (major == nil || v.Major() == *major) && (minor == nil || v.Minor() == *minor)
}

// defaultMachineImages defaults the machine image of each worker pool. An existing pool
// keeps its image when the update leaves the image or its version open.
func defaultMachineImages(shoot, old *core.Shoot, profile *gardencorev1beta1.CloudProfileSpec, now time.Time) field.ErrorList {
	var allErrs field.ErrorList
	for i := range shoot.Spec.Provider.Workers {
		worker := &shoot.Spec.Provider.Workers[i]
		path := field.NewPath("spec", "provider", "workers").Index(i).Child("machine", "image")
		if oldImage := oldImage(old, worker.Name); oldImage != nil {
			if worker.Machine.Image == nil {
				worker.Machine.Image = oldImage.DeepCopy()
				continue
			}
			if worker.Machine.Image.Name == oldImage.Name && worker.Machine.Image.Version == "" {
				worker.Machine.Image.Version = oldImage.Version
				continue
			}
		}
		image, err := defaultImage(profile, worker.Machine.Image, architecture(worker), now, path)
		if err != nil {
			allErrs = append(allErrs, err)
			continue
		}
		worker.Machine.Image = image
	}
	return allErrs
}

func oldImage(old *core.Shoot, worker string) *core.ShootMachineImage {
	for _, w := range old.Spec.Provider.Workers {
		if w.Name == worker {
			return w.Machine.Image
		}
	}
	return nil
}

func architecture(worker *core.Worker) string {
	if a := ptr.Deref(worker.Machine.Architecture, ""); a != "" {
		return a
	}
	return v1beta1constants.ArchitectureAMD64
}

// defaultImage completes the machine image of a worker pool: without a name, it is the
// first image of the profile with a usable version for the architecture; without a
// complete version, the newest usable version of the image that matches what is given.
// Usable versions support the architecture and are supported, or else deprecated. An image
// or version the profile does not offer is left for the ShootValidator to report.
func defaultImage(profile *gardencorev1beta1.CloudProfileSpec, image *core.ShootMachineImage, arch string, now time.Time, path *field.Path) (*core.ShootMachineImage, *field.Error) {
	if len(profile.MachineImages) == 0 {
		return image, field.Invalid(path, image, "the cloud profile offers no machine images")
	}
	withCapabilities := len(profile.MachineCapabilities) > 0
	usable := func(v gardencorev1beta1.MachineImageVersion) bool {
		c := cloudprofile.Classification(v.ExpirableVersion, now)
		return (c == gardencorev1beta1.ClassificationSupported || c == gardencorev1beta1.ClassificationDeprecated) &&
			(withCapabilities || slices.Contains(cloudprofile.ImageArchitectures(v), arch))
	}

	var chosen *gardencorev1beta1.MachineImage
	if image != nil && image.Name != "" {
		for i := range profile.MachineImages {
			if profile.MachineImages[i].Name == image.Name {
				chosen = &profile.MachineImages[i]
			}
		}
		if chosen == nil {
			return image, nil
		}
		for _, v := range chosen.Versions {
			if v.Version == image.Version {
				return image, nil
			}
		}
	} else {
		for i := range profile.MachineImages {
			if slices.ContainsFunc(profile.MachineImages[i].Versions, usable) {
				chosen = &profile.MachineImages[i]
				break
			}
		}
		if chosen == nil {
			return image, field.Invalid(path, image, fmt.Sprintf("the cloud profile offers no machine image with a supported version for CPU architecture %q", arch))
		}
	}

	var version string
	if image != nil {
		version = image.Version
	}
	major, minor, complete, err := parsePartialVersion(version)
	if err != nil {
		return image, field.Invalid(path.Child("version"), version, err.Error())
	}
	if complete {
		return image, nil
	}

	var latest, latestNonDeprecated *semver.Version
	for _, v := range chosen.Versions {
		if !usable(v) {
			continue
		}
		sv, err := semver.NewVersion(v.Version)
		if err != nil || !matches(sv, major, minor) {
			continue
		}
		if latest == nil || sv.GreaterThan(latest) {
			latest = sv
		}
		if cloudprofile.Classification(v.ExpirableVersion, now) == gardencorev1beta1.ClassificationSupported &&
			(latestNonDeprecated == nil || sv.GreaterThan(latestNonDeprecated)) {
			latestNonDeprecated = sv
		}
	}
	if latestNonDeprecated != nil {
		latest = latestNonDeprecated
	}
	if latest == nil {
		return image, field.Invalid(path.Child("version"), version, fmt.Sprintf("machine image %q has no supported version for CPU architecture %q matching %q", chosen.Name, arch, version))
	}
	out := &core.ShootMachineImage{Name: chosen.Name, Version: latest.Original()}
	if image != nil {
		out.ProviderConfig = image.ProviderConfig
	}
	return out, nil
}

// defaultNetworks defaults the pod network of a Shoot with workers and the service network
// of every Shoot, for IPv4 only: from the shoot defaults of the Shoot's seed when it has
// one, else Gardener's defaults (100.96.0.0/11 for pods, 100.64.0.0/13 for services). A
// default that would overlap a network the Shoot sets is not used.
func defaultNetworks(ctx context.Context, r client.Reader, shoot *core.Shoot) error {
	n := shoot.Spec.Networking
	if n == nil {
		n = &core.Networking{}
	}
	if len(n.IPFamilies) > 0 && !slices.Equal(n.IPFamilies, []core.IPFamily{core.IPFamilyIPv4}) {
		return nil
	}

	pods, services := core.DefaultPodNetworkCIDR, core.DefaultServiceNetworkCIDR
	if seedName := ptr.Deref(shoot.Spec.SeedName, ""); seedName != "" {
		seed := &gardencorev1beta1.Seed{}
		err := r.Get(ctx, client.ObjectKey{Name: seedName}, seed)
		if err != nil && !apierrors.IsNotFound(err) {
			return apierrors.NewInternalError(fmt.Errorf("reading seed %q: %w", seedName, err))
		}
		if err == nil && seed.Spec.Networks.ShootDefaults != nil {
			if d := seed.Spec.Networks.ShootDefaults.Pods; d != nil && isIPv4(*d) {
				pods = *d
			}
			if d := seed.Spec.Networks.ShootDefaults.Services; d != nil && isIPv4(*d) {
				services = *d
			}
		}
	}

	changed := false
	if n.Pods == nil && len(shoot.Spec.Provider.Workers) > 0 && !overlapsAny(pods, n.Nodes, n.Services) {
		n.Pods, changed = ptr.To(pods), true
	}
	if n.Services == nil && !overlapsAny(services, n.Nodes, n.Pods) {
		n.Services, changed = ptr.To(services), true
	}
	if changed {
		shoot.Spec.Networking = n
	}
	return nil
}

func isIPv4(cidr string) bool {
	ip, _, err := net.ParseCIDR(cidr)
	return err == nil && ip.To4() != nil
}

// overlapsAny tells whether cidr overlaps one of the others that are set.
func overlapsAny(cidr string, others ...*string) bool {
	_, a, err := net.ParseCIDR(cidr)
	if err != nil {
		return true
	}
	for _, o := range others {
		if o == nil {
			continue
		}
		_, b, err := net.ParseCIDR(*o)
		if err != nil {
			continue
		}
		if a.Contains(b.IP) || b.Contains(a.IP) {
			return true
		}
	}
	return false
}
