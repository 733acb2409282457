package managedseed

import (
	"context"
	"fmt"

	"github.com/gardener/gardener/pkg/apis/seedmanagement"
	seedmanagementv1alpha1 "github.com/gardener/gardener/pkg/apis/seedmanagement/v1alpha1"
	"k8s.io/apimachinery/pkg/api/equality"
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

// Field selector paths besides metadata.name and metadata.namespace.
const (
	FieldShootName = "spec.shoot.name"
)

// FieldLabels are the field selector paths that ManagedSeeds support.
var FieldLabels = []string{"metadata.name", "metadata.namespace", FieldShootName}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
func ConvertFieldLabel(label, value string) (string, string, error) {
	for _, l := range FieldLabels {
		if l == label {
			return label, value, nil
		}
	}
	return "", "", fmt.Errorf("field label not supported for managedseeds: %s", label)
}

// groupVersions are the versions that serve ManagedSeeds, for the reset fields of server-side apply.
var groupVersions = []schema.GroupVersion{seedmanagementv1alpha1.SchemeGroupVersion}

// Strategy handles creates, updates and deletes of ManagedSeeds through the main endpoint.
type Strategy struct {
	registry.Strategy
}

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) Strategy {
	return Strategy{registry.NewStrategy(typer, true)}
}

// AllowUnconditionalUpdate is false, as in Gardener: an update must name the
// resourceVersion it read, so that no writer overwrites a change it has not seen.
func (Strategy) AllowUnconditionalUpdate() bool { return false }

// PrepareForCreate clears the status and starts the generation at 1.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	managedSeed := obj.(*seedmanagement.ManagedSeed)
	managedSeed.Generation = 1
	managedSeed.Status = seedmanagement.ManagedSeedStatus{}
}

// PrepareForUpdate keeps the status and bumps the generation when the spec changes or the deletion timestamp is set.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	newManagedSeed, oldManagedSeed := obj.(*seedmanagement.ManagedSeed), old.(*seedmanagement.ManagedSeed)
	newManagedSeed.Status = oldManagedSeed.Status
	registry.BumpGeneration(newManagedSeed, oldManagedSeed, !equality.Semantic.DeepEqual(newManagedSeed.Spec, oldManagedSeed.Spec))
}

// Validate validates a new ManagedSeed.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateManagedSeed(obj.(*seedmanagement.ManagedSeed))
}

// ValidateUpdate validates an update.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateManagedSeedUpdate(obj.(*seedmanagement.ManagedSeed), old.(*seedmanagement.ManagedSeed))
}

// GetResetFields names the fields that the main endpoint ignores: the status.
func (Strategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return registry.ResetFields(groupVersions, "status")
}

// StatusStrategy handles updates through managedseeds/status: only the status changes.
type StatusStrategy struct {
	Strategy
}

// NewStatusStrategy returns the strategy of the status subresource.
func NewStatusStrategy(typer runtime.ObjectTyper) StatusStrategy {
	return StatusStrategy{NewStrategy(typer)}
}

// PrepareForUpdate keeps the spec; the generation stays.
func (StatusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*seedmanagement.ManagedSeed).Spec = old.(*seedmanagement.ManagedSeed).Spec
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

// SelectableFields returns the fields of a ManagedSeed that field selectors match.
func SelectableFields(managedSeed *seedmanagement.ManagedSeed) fields.Set {
	set := make(fields.Set, 3)
	set[FieldShootName] = shootName(managedSeed)
	return generic.AddObjectMetaFieldsSet(set, &managedSeed.ObjectMeta, true)
}

// GetAttrs returns the labels and selectable fields of a ManagedSeed.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	managedSeed, ok := obj.(*seedmanagement.ManagedSeed)
	if !ok {
		return nil, nil, fmt.Errorf("not a ManagedSeed: %T", obj)
	}
	return managedSeed.Labels, SelectableFields(managedSeed), nil
}

func shootName(managedSeed *seedmanagement.ManagedSeed) string {
	if managedSeed.Spec.Shoot == nil {
		return ""
	}
	return managedSeed.Spec.Shoot.Name
}
