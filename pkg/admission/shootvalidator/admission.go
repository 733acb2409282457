package shootvalidator

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/admission/cloudprofile"
	"github.com/hortus-dev/hortus/pkg/admission/reader"
	"github.com/hortus-dev/hortus/pkg/api/core/validation"
)

// PluginName is the name of the plugin.
const PluginName = "ShootValidator"

// Register registers the plugin.
func Register(plugins *admission.Plugins) {
	plugins.Register(PluginName, func(io.Reader) (admission.Interface, error) { return New(), nil })
}

// Plugin validates Shoots against their cloud profile and Project.
type Plugin struct {
	*reader.Handler
	// Clock tells the time at which versions expire.
	Clock clock.PassiveClock
}

var _ admission.ValidationInterface = (*Plugin)(nil)

// New returns the plugin.
func New() *Plugin {
	return &Plugin{Handler: reader.NewHandler(admission.Create, admission.Update), Clock: clock.RealClock{}}
}

// Validate validates creates and updates of Shoots; subresources are left alone.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetKind().GroupKind() != core.Kind("Shoot") || a.GetSubresource() != "" {
		return nil
	}
	if err := p.Ready(a); err != nil {
		return err
	}
	return Validate(ctx, a, p.Cached(), p.Clock.Now())
}

// Validate checks the Shoot of a against the cloud profile it references, as of now: what
// an update leaves unchanged is not checked again, so that a Shoot stays valid when its
// profile moves on. On create it checks the length of the Shoot's name together with its
// Project's name.
func Validate(ctx context.Context, a admission.Attributes, r client.Reader, now time.Time) error {
	shoot, ok := a.GetObject().(*core.Shoot)
	if !ok {
		return apierrors.NewBadRequest("could not convert object to Shoot")
	}
	old := &core.Shoot{}
	if a.GetOperation() == admission.Update {
		if old, ok = a.GetOldObject().(*core.Shoot); !ok {
			return apierrors.NewBadRequest("could not convert old object to Shoot")
		}
		if shoot.DeletionTimestamp != nil || apiequality.Semantic.DeepEqual(shoot.Spec, old.Spec) {
			return nil
		}
	}

	var allErrs field.ErrorList
	if a.GetOperation() == admission.Create {
		errs, err := validateProject(ctx, a, r, shoot)
		if err != nil {
			return err
		}
		allErrs = append(allErrs, errs...)
	}

	ref, refPath, ok := cloudprofile.Of(&shoot.Spec)
	if !ok {
		// The registry's validation requires the reference.
		return invalid(a, shoot, allErrs)
	}
	spec, err := cloudprofile.Get(ctx, r, shoot.Namespace, ref)
	if apierrors.IsNotFound(err) {
		return invalid(a, shoot, append(allErrs, field.NotFound(refPath, ref.Name)))
	}
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("reading the %s of the shoot: %w", ref, err))
	}
	if oldRef, _, _ := cloudprofile.Of(&old.Spec); oldRef != ref {
		// Against another profile, everything is checked anew.
		old = &core.Shoot{}
	}

	v := &validator{profile: spec, shoot: shoot, old: old, now: now}
	allErrs = append(allErrs, v.providerType()...)
	allErrs = append(allErrs, v.kubernetesVersion()...)
	allErrs = append(allErrs, v.region()...)
	allErrs = append(allErrs, v.workers()...)
	return invalid(a, shoot, allErrs)
}

func invalid(a admission.Attributes, shoot *core.Shoot, errs field.ErrorList) error {
	if len(errs) == 0 {
		return nil
	}
	return apierrors.NewInvalid(a.GetKind().GroupKind(), shoot.Name, errs)
}

// validateProject checks the name length against the Project of the Shoot's namespace and
// refuses new Shoots in a Project that is being deleted. A namespace without a Project is
// left alone.
func validateProject(ctx context.Context, a admission.Attributes, r client.Reader, shoot *core.Shoot) (field.ErrorList, error) {
	project, err := reader.ProjectForNamespace(ctx, r, shoot.Namespace)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	if project.DeletionTimestamp != nil {
		return nil, admission.NewForbidden(a, fmt.Errorf("cannot create shoot %q in project %q that is being deleted", shoot.Name, project.Name))
	}
	if shoot.Name == "" {
		return validation.ValidateShootGenerateNameLength(project.Name, shoot.GenerateName), nil
	}
	return validation.ValidateShootNameLength(project.Name, shoot.Name), nil
}

// validator checks one Shoot against its cloud profile. old is the Shoot before the update,
// empty on create.
type validator struct {
	profile    *gardencorev1beta1.CloudProfileSpec
	shoot, old *core.Shoot
	now        time.Time
}

var (
	specPath    = field.NewPath("spec")
	workersPath = specPath.Child("provider", "workers")
)

func (v *validator) providerType() field.ErrorList {
	if v.shoot.Spec.Provider.Type == v.old.Spec.Provider.Type || v.shoot.Spec.Provider.Type == v.profile.Type {
		return nil
	}
	return field.ErrorList{field.Invalid(specPath.Child("provider", "type"), v.shoot.Spec.Provider.Type,
		fmt.Sprintf("must equal the type of the cloud profile, %q", v.profile.Type))}
}

func (v *validator) kubernetesVersion() field.ErrorList {
	version := v.shoot.Spec.Kubernetes.Version
	if version == v.old.Spec.Kubernetes.Version {
		return nil
	}
	return checkVersion("Kubernetes version", v.profile.Kubernetes.Versions, version, specPath.Child("kubernetes", "version"), v.now)
}

// checkVersion requires version to be one of offered that is neither expired nor
// unavailable at now. A version that is not offered is NotSupported, listing the active
// ones; an expired or unavailable one is Forbidden.
func checkVersion(what string, offered []gardencorev1beta1.ExpirableVersion, version string, path *field.Path, now time.Time) field.ErrorList {
	var active []string
	for _, o := range offered {
		if c := cloudprofile.Classification(o, now); cloudprofile.Active(c) {
			s := o.Version
			if c == gardencorev1beta1.ClassificationPreview {
				s += " (preview)"
			}
			active = append(active, s)
		}
	}
	for _, o := range offered {
		if o.Version != version {
			continue
		}
		switch c := cloudprofile.Classification(o, now); c {
		case gardencorev1beta1.ClassificationExpired:
			detail := fmt.Sprintf("%s %s has expired", what, version)
			if since := cloudprofile.ExpiredSince(o); !since.IsZero() {
				detail += " on " + since.UTC().Format(time.RFC3339)
			}
			return field.ErrorList{field.Forbidden(path, fmt.Sprintf("%s; supported versions are %v", detail, active))}
		case gardencorev1beta1.ClassificationUnavailable:
			return field.ErrorList{field.Forbidden(path, fmt.Sprintf("%s %s is not available yet; supported versions are %v", what, version, active))}
		}
		return nil
	}
	return field.ErrorList{field.NotSupported(path, version, active)}
}

func (v *validator) region() field.ErrorList {
	region := v.shoot.Spec.Region
	if region == v.old.Spec.Region {
		return nil
	}
	var names []string
	for _, r := range v.profile.Regions {
		if r.Name == region {
			return nil
		}
		names = append(names, r.Name)
	}
	return field.ErrorList{field.NotSupported(specPath.Child("region"), region, names)}
}

func (v *validator) workers() field.ErrorList {
	var allErrs field.ErrorList
	for i := range v.shoot.Spec.Provider.Workers {
		worker := &v.shoot.Spec.Provider.Workers[i]
		old := v.oldWorker(worker.Name)
		path := workersPath.Index(i)
		allErrs = append(allErrs, v.machineType(worker, old, path)...)
		allErrs = append(allErrs, v.machineImage(worker, old, path)...)
		allErrs = append(allErrs, v.workerKubernetesVersion(worker, old, path)...)
		allErrs = append(allErrs, v.volume(worker, old, path)...)
		allErrs = append(allErrs, v.zones(worker, old, path)...)
	}
	return allErrs
}

// oldWorker returns the worker pool of the old Shoot with the given name, or an empty one
// for a new pool.
func (v *validator) oldWorker(name string) *core.Worker {
	for i := range v.old.Spec.Provider.Workers {
		if v.old.Spec.Provider.Workers[i].Name == name {
			return &v.old.Spec.Provider.Workers[i]
		}
	}
	return &core.Worker{}
}

// withCapabilities tells whether the profile describes machines with capabilities, which
// replace the architecture fields; their architectures are not checked here.
func (v *validator) withCapabilities() bool {
	return len(v.profile.MachineCapabilities) > 0
}

func (v *validator) machineType(worker, old *core.Worker, path *field.Path) field.ErrorList {
	if worker.Machine.Type == old.Machine.Type && ptr.Equal(worker.Machine.Architecture, old.Machine.Architecture) {
		return nil
	}
	path = path.Child("machine", "type")
	var (
		found  *gardencorev1beta1.MachineType
		usable []string
	)
	for i, t := range v.profile.MachineTypes {
		if t.Name == worker.Machine.Type {
			found = &v.profile.MachineTypes[i]
		}
		if ptr.Deref(t.Usable, true) {
			usable = append(usable, t.Name)
		}
	}
	if found == nil {
		return field.ErrorList{field.NotSupported(path, worker.Machine.Type, usable)}
	}
	if !ptr.Deref(found.Usable, true) {
		return field.ErrorList{field.Invalid(path, worker.Machine.Type, fmt.Sprintf("machine type is not usable; usable types are %v", usable))}
	}
	if arch := ptr.Deref(worker.Machine.Architecture, ""); arch != "" && !v.withCapabilities() && cloudprofile.TypeArchitecture(*found) != arch {
		return field.ErrorList{field.Invalid(path, worker.Machine.Type, fmt.Sprintf("machine type has CPU architecture %q, not %q", cloudprofile.TypeArchitecture(*found), arch))}
	}
	for _, zone := range v.regionZones() {
		for _, name := range worker.Zones {
			if zone.Name == name && slices.Contains(zone.UnavailableMachineTypes, worker.Machine.Type) {
				return field.ErrorList{field.Invalid(path, worker.Machine.Type, fmt.Sprintf("machine type is unavailable in zone %q", name))}
			}
		}
	}
	return nil
}

func (v *validator) machineImage(worker, old *core.Worker, path *field.Path) field.ErrorList {
	image := worker.Machine.Image
	if image == nil || apiequality.Semantic.DeepEqual(image, old.Machine.Image) && ptr.Equal(worker.Machine.Architecture, old.Machine.Architecture) {
		return nil
	}
	path = path.Child("machine", "image")
	var (
		found *gardencorev1beta1.MachineImage
		names []string
	)
	for i, m := range v.profile.MachineImages {
		names = append(names, m.Name)
		if m.Name == image.Name {
			found = &v.profile.MachineImages[i]
		}
	}
	if found == nil {
		return field.ErrorList{field.NotSupported(path.Child("name"), image.Name, names)}
	}
	if image.Version == "" {
		// The ShootMutator picks the version.
		return nil
	}
	versions := make([]gardencorev1beta1.ExpirableVersion, 0, len(found.Versions))
	for _, mv := range found.Versions {
		versions = append(versions, mv.ExpirableVersion)
	}
	if errs := checkVersion("machine image version "+image.Name, versions, image.Version, path.Child("version"), v.now); len(errs) > 0 {
		return errs
	}
	arch := ptr.Deref(worker.Machine.Architecture, "")
	if arch == "" || v.withCapabilities() {
		return nil
	}
	for _, mv := range found.Versions {
		if mv.Version == image.Version && !slices.Contains(cloudprofile.ImageArchitectures(mv), arch) {
			return field.ErrorList{field.Invalid(path.Child("version"), image.Version,
				fmt.Sprintf("machine image %s %s does not support CPU architecture %q", image.Name, image.Version, arch))}
		}
	}
	return nil
}

func (v *validator) workerKubernetesVersion(worker, old *core.Worker, path *field.Path) field.ErrorList {
	if worker.Kubernetes == nil || worker.Kubernetes.Version == nil {
		return nil
	}
	if old.Kubernetes != nil && ptr.Equal(worker.Kubernetes.Version, old.Kubernetes.Version) {
		return nil
	}
	return checkVersion("Kubernetes version", v.profile.Kubernetes.Versions, *worker.Kubernetes.Version, path.Child("kubernetes", "version"), v.now)
}

func (v *validator) volume(worker, old *core.Worker, path *field.Path) field.ErrorList {
	if worker.Volume == nil || worker.Volume.Type == nil || apiequality.Semantic.DeepEqual(worker.Volume, old.Volume) {
		return nil
	}
	path = path.Child("volume")
	var (
		found  *gardencorev1beta1.VolumeType
		usable []string
	)
	for i, t := range v.profile.VolumeTypes {
		if t.Name == *worker.Volume.Type {
			found = &v.profile.VolumeTypes[i]
		}
		if ptr.Deref(t.Usable, true) {
			usable = append(usable, t.Name)
		}
	}
	if found == nil {
		return field.ErrorList{field.NotSupported(path.Child("type"), *worker.Volume.Type, usable)}
	}
	if !ptr.Deref(found.Usable, true) {
		return field.ErrorList{field.Invalid(path.Child("type"), *worker.Volume.Type, fmt.Sprintf("volume type is not usable; usable types are %v", usable))}
	}
	if found.MinSize != nil {
		if size, err := resource.ParseQuantity(worker.Volume.VolumeSize); err == nil && size.Cmp(*found.MinSize) < 0 {
			return field.ErrorList{field.Invalid(path.Child("size"), worker.Volume.VolumeSize, fmt.Sprintf("must be at least %s", found.MinSize.String()))}
		}
	}
	return nil
}

func (v *validator) zones(worker, old *core.Worker, path *field.Path) field.ErrorList {
	if v.shoot.Spec.Region == v.old.Spec.Region && apiequality.Semantic.DeepEqual(worker.Zones, old.Zones) {
		return nil
	}
	if !v.regionKnown() {
		// region() reports the region.
		return nil
	}
	zones := v.regionZones()
	var names []string
	for _, z := range zones {
		names = append(names, z.Name)
	}
	var allErrs field.ErrorList
	for j, zone := range worker.Zones {
		switch {
		case len(names) == 0:
			allErrs = append(allErrs, field.Invalid(path.Child("zones").Index(j), zone, fmt.Sprintf("region %q has no availability zones", v.shoot.Spec.Region)))
		case !slices.Contains(names, zone):
			allErrs = append(allErrs, field.NotSupported(path.Child("zones").Index(j), zone, names))
		}
	}
	return allErrs
}

func (v *validator) regionKnown() bool {
	for _, r := range v.profile.Regions {
		if r.Name == v.shoot.Spec.Region {
			return true
		}
	}
	return false
}

func (v *validator) regionZones() []gardencorev1beta1.AvailabilityZone {
	for _, r := range v.profile.Regions {
		if r.Name == v.shoot.Spec.Region {
			return r.Zones
		}
	}
	return nil
}
