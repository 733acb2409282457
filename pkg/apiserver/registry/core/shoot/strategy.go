package shoot

import (
	"context"
	"fmt"
	"strings"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/hortus-dev/hortus/pkg/api/core/validation"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Field selector paths besides metadata.name and metadata.namespace.
const (
	FieldSeedName         = "spec.seedName"
	FieldStatusSeedName   = "status.seedName"
	FieldCloudProfileName = "spec.cloudProfileName"
	FieldCloudProfileRef  = "spec.cloudProfile.name"
	FieldCloudProfileKind = "spec.cloudProfile.kind"
	FieldProviderType     = "spec.provider.type"
)

// FieldLabels are the field selector paths that Shoots support.
var FieldLabels = []string{
	"metadata.name", "metadata.namespace",
	FieldSeedName, FieldStatusSeedName,
	FieldCloudProfileName, FieldCloudProfileRef, FieldCloudProfileKind,
	FieldProviderType,
}

// ConvertFieldLabel accepts the field selector paths of FieldLabels. It also accepts
// spec.cloudProfile.Name and spec.cloudProfile.Kind, the spelling of Gardener's own field
// constants, and maps them to the lower-case paths.
func ConvertFieldLabel(label, value string) (string, string, error) {
	switch label {
	case "spec.cloudProfile.Name":
		return FieldCloudProfileRef, value, nil
	case "spec.cloudProfile.Kind":
		return FieldCloudProfileKind, value, nil
	}
	for _, l := range FieldLabels {
		if l == label {
			return label, value, nil
		}
	}
	return "", "", fmt.Errorf("field label not supported for shoots: %s", label)
}

// rules are what the strategies of Shoots check and change.
var rules = registry.Rules[*core.Shoot]{
	Namespaced: true,
	// An update must name the resourceVersion it read, as in Gardener.
	RequireResourceVersion: true,
	Validate:               validation.ValidateShoot,
	ValidateUpdate:         validateUpdate,
	// The generation also counts the force-deletion annotation and the
	// gardener.cloud/operation annotations that ask for a reconciliation, see
	// mustIncreaseGeneration.
	SpecChanged: func(newShoot, oldShoot *core.Shoot) bool {
		return mustIncreaseGeneration(oldShoot, newShoot)
	},
	PrepareForCreate: defaultCloudProfileKind,
	PrepareForUpdate: prepareForUpdate,
	Canonicalize:     maintainSeedNameLabels,
}

// specStatus reaches the spec and the status of Shoots in the versions that serve them.
var specStatus = registry.SpecAndStatus([]schema.GroupVersion{gardencorev1beta1.SchemeGroupVersion}, spec, status)

func spec(s *core.Shoot) *core.ShootSpec     { return &s.Spec }
func status(s *core.Shoot) *core.ShootStatus { return &s.Status }

// NewStrategy returns the strategy of the main endpoint. On create, the status, which only
// the gardenlet writes, is cleared, the generation starts at 1 and the kind of
// spec.cloudProfile is defaulted; spec.seedName may be set on create, which pins the shoot
// to a seed. On update, the status is kept (see prepareForUpdate for the rest).
func NewStrategy(typer runtime.ObjectTyper) registry.SpecStatusStrategy[*core.Shoot] {
	return registry.NewSpecStatusStrategy(typer, rules, specStatus)
}

// prepareForUpdate defaults the kind of spec.cloudProfile and cleans up the operation
// annotations of an update through the main endpoint; the generation is bumped after.
func prepareForUpdate(newShoot, _ *core.Shoot) {
	if newShoot.DeletionTimestamp == nil {
		defaultCloudProfileKind(newShoot)
	}
	cleanUpOperations(newShoot.Annotations, v1beta1constants.GardenerOperation)
	cleanUpOperations(newShoot.Annotations, v1beta1constants.GardenerMaintenanceOperation)
}

// defaultCloudProfileKind sets an empty spec.cloudProfile.kind to CloudProfile, as
// Gardener's strategy does. spec.cloudProfileName is left alone: the field selectors and
// the table read whichever of the two is set.
func defaultCloudProfileKind(shoot *core.Shoot) {
	if ref := shoot.Spec.CloudProfile; ref != nil && ref.Kind == "" {
		ref.Kind = v1beta1constants.CloudProfileReferenceKindCloudProfile
	}
}

// validateUpdate validates an update. spec.seedName can only be set or changed through
// the shoots/binding subresource, so an update that changes it is rejected.
func validateUpdate(newShoot, oldShoot *core.Shoot) field.ErrorList {
	allErrs := validation.ValidateShootSeedNameUpdate(newShoot, oldShoot)
	return append(allErrs, validation.ValidateShootUpdate(newShoot, oldShoot)...)
}

// maintainSeedNameLabels maintains the name.seed.gardener.cloud/<seed> labels for
// spec.seedName and status.seedName, as Gardener does.
func maintainSeedNameLabels(shoot *core.Shoot) {
	for k := range shoot.Labels {
		if strings.HasPrefix(k, v1beta1constants.LabelPrefixSeedName) {
			delete(shoot.Labels, k)
		}
	}
	for _, name := range []*string{shoot.Spec.SeedName, shoot.Status.SeedName} {
		if name == nil || *name == "" {
			continue
		}
		if shoot.Labels == nil {
			shoot.Labels = map[string]string{}
		}
		shoot.Labels[v1beta1constants.LabelPrefixSeedName+*name] = "true"
	}
}

// StatusStrategy handles updates through shoots/status: only the status changes. A status
// validation (Gardener's ValidateShootStatusUpdate) belongs in its ValidateUpdate once the
// validation package has one.
type StatusStrategy struct {
	registry.StatusStrategy[*core.Shoot]
}

// NewStatusStrategy returns the strategy of the status subresource.
func NewStatusStrategy(typer runtime.ObjectTyper) StatusStrategy {
	return StatusStrategy{registry.NewStatusStrategy(typer, rules, specStatus)}
}

// WarningsOnUpdate returns no warnings: /status does not change the spec.
func (StatusStrategy) WarningsOnUpdate(context.Context, runtime.Object, runtime.Object) []string {
	return nil
}

// BindingStrategy handles updates through shoots/binding: the scheduler sets
// spec.seedName, and a migration changes it. Nothing else of the spec, and not the status,
// changes. Like the main endpoint, /binding ignores the status in server-side apply.
type BindingStrategy struct {
	registry.SpecStatusStrategy[*core.Shoot]
}

// NewBindingStrategy returns the strategy of the binding subresource.
func NewBindingStrategy(typer runtime.ObjectTyper) BindingStrategy {
	return BindingStrategy{NewStrategy(typer)}
}

// PrepareForUpdate takes only spec.seedName from the request and bumps the generation
// when it changed.
func (BindingStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	newShoot, oldShoot := obj.(*core.Shoot), old.(*core.Shoot)
	seedName := newShoot.Spec.SeedName
	newShoot.Spec = *oldShoot.Spec.DeepCopy()
	newShoot.Spec.SeedName = seedName
	newShoot.Status = oldShoot.Status
	registry.BumpGeneration(newShoot, oldShoot, !apiequality.Semantic.DeepEqual(newShoot.Spec, oldShoot.Spec))
}

// ValidateUpdate requires a seed name that is not removed, then validates the update.
func (BindingStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	newShoot, oldShoot := obj.(*core.Shoot), old.(*core.Shoot)
	allErrs := validation.ValidateShootBindingUpdate(newShoot, oldShoot)
	return append(allErrs, validation.ValidateShootUpdate(newShoot, oldShoot)...)
}

// WarningsOnUpdate returns no warnings: /binding is the scheduler's, and only changes
// spec.seedName, which Hortus acts on.
func (BindingStrategy) WarningsOnUpdate(context.Context, runtime.Object, runtime.Object) []string {
	return nil
}

// SelectableFields returns the fields of a Shoot that field selectors match. When only
// one of spec.cloudProfileName and spec.cloudProfile is set, the selectors of both read
// it, as Gardener keeps the two in sync.
func SelectableFields(shoot *core.Shoot) fields.Set {
	set := make(fields.Set, 10)
	set[FieldSeedName] = ptr.Deref(shoot.Spec.SeedName, "")
	set[FieldStatusSeedName] = ptr.Deref(shoot.Status.SeedName, "")
	name, kind := cloudProfile(shoot)
	set[FieldCloudProfileName] = ptr.Deref(shoot.Spec.CloudProfileName, "")
	if set[FieldCloudProfileName] == "" && kind == v1beta1constants.CloudProfileReferenceKindCloudProfile {
		set[FieldCloudProfileName] = name
	}
	set[FieldCloudProfileRef] = name
	set[FieldCloudProfileKind] = kind
	set[FieldProviderType] = shoot.Spec.Provider.Type
	return generic.AddObjectMetaFieldsSet(set, &shoot.ObjectMeta, true)
}

// cloudProfile returns the name and kind of the shoot's cloud profile reference, from
// spec.cloudProfile or else spec.cloudProfileName.
func cloudProfile(shoot *core.Shoot) (name, kind string) {
	if ref := shoot.Spec.CloudProfile; ref != nil {
		kind = ref.Kind
		if kind == "" {
			kind = v1beta1constants.CloudProfileReferenceKindCloudProfile
		}
		return ref.Name, kind
	}
	if n := ptr.Deref(shoot.Spec.CloudProfileName, ""); n != "" {
		return n, v1beta1constants.CloudProfileReferenceKindCloudProfile
	}
	return "", ""
}

// GetAttrs returns the labels and selectable fields of a Shoot.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	shoot, ok := obj.(*core.Shoot)
	if !ok {
		return nil, nil, fmt.Errorf("not a Shoot: %T", obj)
	}
	return shoot.Labels, SelectableFields(shoot), nil
}

// SeedNameTriggerFunc returns spec.seedName, the value the watch cache dispatches
// events on: a watch with fieldSelector=spec.seedName=<seed> only sees the events of
// that seed's shoots without filtering every event.
func SeedNameTriggerFunc(obj runtime.Object) string {
	if shoot, ok := obj.(*core.Shoot); ok {
		return ptr.Deref(shoot.Spec.SeedName, "")
	}
	return ""
}

// Indexers index the watch cache by spec.seedName, so that a list with that field
// selector reads only the matching shoots.
func Indexers() *cache.Indexers {
	return &cache.Indexers{
		storage.FieldIndex(FieldSeedName): func(obj any) ([]string, error) {
			shoot, ok := obj.(*core.Shoot)
			if !ok {
				return nil, fmt.Errorf("not a Shoot: %T", obj)
			}
			return []string{ptr.Deref(shoot.Spec.SeedName, "")}, nil
		},
	}
}
