package cloudprofile

import (
	"context"
	"fmt"
	"time"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Ref names a cloud profile: Kind is CloudProfile or NamespacedCloudProfile, the latter in
// the Shoot's namespace.
type Ref struct {
	Kind, Name string
}

// String returns "Kind Name".
func (r Ref) String() string { return r.Kind + " " + r.Name }

// Namespaced tells whether r names a NamespacedCloudProfile.
func (r Ref) Namespaced() bool {
	return r.Kind == v1beta1constants.CloudProfileReferenceKindNamespacedCloudProfile
}

// Of returns the cloud profile that a Shoot spec references, from spec.cloudProfile or the
// deprecated spec.cloudProfileName, and the path of the field that names it. An empty kind
// means CloudProfile. ok is false when the spec references none.
func Of(spec *core.ShootSpec) (ref Ref, path *field.Path, ok bool) {
	specPath := field.NewPath("spec")
	switch {
	case spec.CloudProfile != nil && spec.CloudProfile.Name != "":
		ref = Ref{Kind: spec.CloudProfile.Kind, Name: spec.CloudProfile.Name}
		path = specPath.Child("cloudProfile", "name")
	case spec.CloudProfileName != nil && *spec.CloudProfileName != "":
		ref = Ref{Name: *spec.CloudProfileName}
		path = specPath.Child("cloudProfileName")
	default:
		return Ref{}, specPath.Child("cloudProfile", "name"), false
	}
	if ref.Kind == "" {
		ref.Kind = v1beta1constants.CloudProfileReferenceKindCloudProfile
	}
	return ref, path, true
}

// OfV1beta1 is Of for a versioned Shoot spec, as the readers return them.
func OfV1beta1(spec *gardencorev1beta1.ShootSpec) (Ref, bool) {
	var ref Ref
	switch {
	case spec.CloudProfile != nil && spec.CloudProfile.Name != "":
		ref = Ref{Kind: spec.CloudProfile.Kind, Name: spec.CloudProfile.Name}
	case spec.CloudProfileName != nil && *spec.CloudProfileName != "":
		ref = Ref{Name: *spec.CloudProfileName}
	default:
		return Ref{}, false
	}
	if ref.Kind == "" {
		ref.Kind = v1beta1constants.CloudProfileReferenceKindCloudProfile
	}
	return ref, true
}

// Get reads the spec of the profile that ref names; a NamespacedCloudProfile is looked up
// in namespace. The spec of a NamespacedCloudProfile is the one its status carries, which
// merges it with its parent; while the status is still empty, Get merges them itself. The
// error is the reader's, so that apierrors.IsNotFound tells a missing profile.
func Get(ctx context.Context, r client.Reader, namespace string, ref Ref) (*gardencorev1beta1.CloudProfileSpec, error) {
	switch ref.Kind {
	case v1beta1constants.CloudProfileReferenceKindCloudProfile:
		profile := &gardencorev1beta1.CloudProfile{}
		if err := r.Get(ctx, client.ObjectKey{Name: ref.Name}, profile); err != nil {
			return nil, err
		}
		return &profile.Spec, nil
	case v1beta1constants.CloudProfileReferenceKindNamespacedCloudProfile:
		profile := &gardencorev1beta1.NamespacedCloudProfile{}
		if err := r.Get(ctx, client.ObjectKey{Namespace: namespace, Name: ref.Name}, profile); err != nil {
			return nil, err
		}
		if profile.Status.CloudProfileSpec.Type != "" {
			return &profile.Status.CloudProfileSpec, nil
		}
		parent := &gardencorev1beta1.CloudProfile{}
		if err := r.Get(ctx, client.ObjectKey{Name: profile.Spec.Parent.Name}, parent); err != nil {
			return nil, fmt.Errorf("reading the parent CloudProfile %q of NamespacedCloudProfile %s/%s: %w", profile.Spec.Parent.Name, namespace, ref.Name, err)
		}
		return Merge(&parent.Spec, &profile.Spec), nil
	default:
		return nil, fmt.Errorf("unknown cloud profile kind %q", ref.Kind)
	}
}

// Merge returns the parent spec with the additions and overrides of a
// NamespacedCloudProfile: further Kubernetes versions, machine images, image versions,
// machine types and volume types, later expiration dates of versions the parent offers, and
// its limits.
func Merge(parent *gardencorev1beta1.CloudProfileSpec, ns *gardencorev1beta1.NamespacedCloudProfileSpec) *gardencorev1beta1.CloudProfileSpec {
	spec := parent.DeepCopy()
	if ns.Kubernetes != nil {
		spec.Kubernetes.Versions = mergeVersions(spec.Kubernetes.Versions, ns.Kubernetes.Versions)
	}
	for _, image := range ns.MachineImages {
		i := indexOf(spec.MachineImages, func(m gardencorev1beta1.MachineImage) bool { return m.Name == image.Name })
		if i < 0 {
			spec.MachineImages = append(spec.MachineImages, *image.DeepCopy())
			continue
		}
		for _, v := range image.Versions {
			j := indexOf(spec.MachineImages[i].Versions, func(m gardencorev1beta1.MachineImageVersion) bool { return m.Version == v.Version })
			if j < 0 {
				spec.MachineImages[i].Versions = append(spec.MachineImages[i].Versions, *v.DeepCopy())
				continue
			}
			overrideExpiration(&spec.MachineImages[i].Versions[j].ExpirableVersion, v.ExpirableVersion)
		}
	}
	for _, t := range ns.MachineTypes {
		if indexOf(spec.MachineTypes, func(m gardencorev1beta1.MachineType) bool { return m.Name == t.Name }) < 0 {
			spec.MachineTypes = append(spec.MachineTypes, *t.DeepCopy())
		}
	}
	for _, t := range ns.VolumeTypes {
		if indexOf(spec.VolumeTypes, func(m gardencorev1beta1.VolumeType) bool { return m.Name == t.Name }) < 0 {
			spec.VolumeTypes = append(spec.VolumeTypes, *t.DeepCopy())
		}
	}
	if ns.Limits != nil {
		spec.Limits = ns.Limits.DeepCopy()
	}
	return spec
}

func mergeVersions(versions, more []gardencorev1beta1.ExpirableVersion) []gardencorev1beta1.ExpirableVersion {
	for _, v := range more {
		i := indexOf(versions, func(e gardencorev1beta1.ExpirableVersion) bool { return e.Version == v.Version })
		if i < 0 {
			versions = append(versions, *v.DeepCopy())
			continue
		}
		overrideExpiration(&versions[i], v)
	}
	return versions
}

// overrideExpiration takes the expiration of override, which is all a NamespacedCloudProfile
// may change of a version its parent offers.
func overrideExpiration(v *gardencorev1beta1.ExpirableVersion, override gardencorev1beta1.ExpirableVersion) {
	if override.ExpirationDate != nil {
		v.ExpirationDate = override.ExpirationDate.DeepCopy()
	}
	if len(override.Lifecycle) > 0 {
		v.Lifecycle = override.Lifecycle
	}
}

func indexOf[T any](items []T, match func(T) bool) int {
	for i := range items {
		if match(items[i]) {
			return i
		}
	}
	return -1
}

// Classification returns the classification of v at now. A version with lifecycle stages
// is in the last stage that has started (unavailable before the first); otherwise it is in
// its classification (supported when unset) until its expiration date, and expired after.
func Classification(v gardencorev1beta1.ExpirableVersion, now time.Time) gardencorev1beta1.VersionClassification {
	if len(v.Lifecycle) == 0 {
		if v.ExpirationDate != nil && !v.ExpirationDate.After(now) {
			return gardencorev1beta1.ClassificationExpired
		}
		if v.Classification != nil {
			return *v.Classification
		}
		return gardencorev1beta1.ClassificationSupported
	}
	current := gardencorev1beta1.ClassificationUnavailable
	for _, stage := range v.Lifecycle {
		if stage.StartTime == nil || stage.StartTime.Time.Before(now) {
			current = stage.Classification
		}
	}
	return current
}

// Active tells whether a version of classification c may be chosen for a new Shoot or
// worker pool: it is neither expired nor unavailable.
func Active(c gardencorev1beta1.VersionClassification) bool {
	return c != gardencorev1beta1.ClassificationExpired && c != gardencorev1beta1.ClassificationUnavailable
}

// ExpiredSince returns when v expired, for messages; the zero time when unknown.
func ExpiredSince(v gardencorev1beta1.ExpirableVersion) time.Time {
	if v.ExpirationDate != nil {
		return v.ExpirationDate.Time
	}
	for _, stage := range v.Lifecycle {
		if stage.Classification == gardencorev1beta1.ClassificationExpired && stage.StartTime != nil {
			return stage.StartTime.Time
		}
	}
	return time.Time{}
}

// ImageArchitectures returns the CPU architectures of a machine image version: amd64 when
// it names none, as Gardener's defaulting does.
func ImageArchitectures(v gardencorev1beta1.MachineImageVersion) []string {
	if len(v.Architectures) == 0 {
		return []string{v1beta1constants.ArchitectureAMD64}
	}
	return v.Architectures
}

// TypeArchitecture returns the CPU architecture of a machine type: amd64 when unset.
func TypeArchitecture(t gardencorev1beta1.MachineType) string {
	if t.Architecture == nil || *t.Architecture == "" {
		return v1beta1constants.ArchitectureAMD64
	}
	return *t.Architecture
}
