package seed

import (
	"context"
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/hortus-dev/hortus/pkg/api/core/validation"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Field selector paths besides metadata.name.
const (
	FieldProviderType = "spec.provider.type"
)

// FieldLabels are the field selector paths that Seeds support.
var FieldLabels = []string{"metadata.name", FieldProviderType}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
func ConvertFieldLabel(label, value string) (string, string, error) {
	for _, l := range FieldLabels {
		if l == label {
			return label, value, nil
		}
	}
	return "", "", fmt.Errorf("field label not supported for seeds: %s", label)
}

// groupVersions are the versions that serve Seeds, for the reset fields of server-side apply.
var groupVersions = []schema.GroupVersion{gardencorev1beta1.SchemeGroupVersion}

// Strategy handles creates, updates and deletes of Seeds through the main endpoint.
type Strategy struct {
	registry.Strategy
}

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) Strategy {
	return Strategy{registry.NewStrategy(typer, false)}
}

// PrepareForCreate clears the status and starts the generation at 1.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	seed := obj.(*core.Seed)
	seed.Generation = 1
	seed.Status = core.SeedStatus{}
}

// PrepareForUpdate keeps the status and bumps the generation when the spec changes or the deletion timestamp is set.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	newSeed, oldSeed := obj.(*core.Seed), old.(*core.Seed)
	newSeed.Status = oldSeed.Status
	registry.BumpGeneration(newSeed, oldSeed, !equality.Semantic.DeepEqual(newSeed.Spec, oldSeed.Spec))
}

// Validate validates a new Seed.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateSeed(obj.(*core.Seed))
}

// ValidateUpdate validates an update.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateSeedUpdate(obj.(*core.Seed), old.(*core.Seed))
}

// Canonicalize sets the seed.gardener.cloud/provider and seed.gardener.cloud/region
// labels from the spec, as Gardener does.
func (Strategy) Canonicalize(obj runtime.Object) {
	seed := obj.(*core.Seed)
	metav1.SetMetaDataLabel(&seed.ObjectMeta, v1beta1constants.LabelSeedProvider, seed.Spec.Provider.Type)
	metav1.SetMetaDataLabel(&seed.ObjectMeta, v1beta1constants.LabelSeedRegion, seed.Spec.Provider.Region)
}

// GetResetFields names the fields that the main endpoint ignores: the status.
func (Strategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return registry.ResetFields(groupVersions, "status")
}

// StatusStrategy handles updates through seeds/status: only the status changes.
type StatusStrategy struct {
	Strategy
}

// NewStatusStrategy returns the strategy of the status subresource.
func NewStatusStrategy(typer runtime.ObjectTyper) StatusStrategy {
	return StatusStrategy{NewStrategy(typer)}
}

// PrepareForUpdate keeps the spec; the generation stays.
func (StatusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*core.Seed).Spec = old.(*core.Seed).Spec
}

// ValidateUpdate has nothing to check beyond the metadata, which the generic store
// validates: the spec is the stored one, and the status is written by Hortus' own
// components.
func (StatusStrategy) ValidateUpdate(_ context.Context, _, _ runtime.Object) field.ErrorList {
	return nil
}

// GetResetFields names the fields that /status ignores: the spec.
func (StatusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return registry.ResetFields(groupVersions, "spec")
}

// SelectableFields returns the fields of a Seed that field selectors match.
func SelectableFields(seed *core.Seed) fields.Set {
	set := make(fields.Set, 3)
	set[FieldProviderType] = seed.Spec.Provider.Type
	return generic.AddObjectMetaFieldsSet(set, &seed.ObjectMeta, false)
}

// GetAttrs returns the labels and selectable fields of a Seed.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	seed, ok := obj.(*core.Seed)
	if !ok {
		return nil, nil, fmt.Errorf("not a Seed: %T", obj)
	}
	return seed.Labels, SelectableFields(seed), nil
}
