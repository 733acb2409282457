package cloudprofile

import (
	"context"
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
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

// FieldLabels are the field selector paths that CloudProfiles support.
var FieldLabels = []string{"metadata.name"}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
func ConvertFieldLabel(label, value string) (string, string, error) {
	for _, l := range FieldLabels {
		if l == label {
			return label, value, nil
		}
	}
	return "", "", fmt.Errorf("field label not supported for cloudprofiles: %s", label)
}

// groupVersions are the versions that serve CloudProfiles, for the reset fields of server-side apply.
var groupVersions = []schema.GroupVersion{gardencorev1beta1.SchemeGroupVersion}

// Strategy handles creates, updates and deletes of CloudProfiles through the main endpoint.
type Strategy struct {
	registry.Strategy
}

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) Strategy {
	return Strategy{registry.NewStrategy(typer, false)}
}

// PrepareForCreate clears the status and starts the generation at 1.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	cloudProfile := obj.(*core.CloudProfile)
	cloudProfile.Generation = 1
	cloudProfile.Status = core.CloudProfileStatus{}
}

// PrepareForUpdate keeps the status and bumps the generation when the spec changes or the deletion timestamp is set.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	newCloudProfile, oldCloudProfile := obj.(*core.CloudProfile), old.(*core.CloudProfile)
	newCloudProfile.Status = oldCloudProfile.Status
	registry.BumpGeneration(newCloudProfile, oldCloudProfile, !equality.Semantic.DeepEqual(newCloudProfile.Spec, oldCloudProfile.Spec))
}

// Validate validates a new CloudProfile.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateCloudProfile(obj.(*core.CloudProfile))
}

// ValidateUpdate validates an update.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateCloudProfileUpdate(obj.(*core.CloudProfile), old.(*core.CloudProfile))
}

// GetResetFields names the fields that the main endpoint ignores: the status.
func (Strategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return registry.ResetFields(groupVersions, "status")
}

// StatusStrategy handles updates through cloudprofiles/status: only the status changes.
type StatusStrategy struct {
	Strategy
}

// NewStatusStrategy returns the strategy of the status subresource.
func NewStatusStrategy(typer runtime.ObjectTyper) StatusStrategy {
	return StatusStrategy{NewStrategy(typer)}
}

// PrepareForUpdate keeps the spec; the generation stays.
func (StatusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*core.CloudProfile).Spec = old.(*core.CloudProfile).Spec
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

// SelectableFields returns the fields of a CloudProfile that field selectors match.
func SelectableFields(cloudProfile *core.CloudProfile) fields.Set {
	return generic.ObjectMetaFieldsSet(&cloudProfile.ObjectMeta, false)
}

// GetAttrs returns the labels and selectable fields of a CloudProfile.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	cloudProfile, ok := obj.(*core.CloudProfile)
	if !ok {
		return nil, nil, fmt.Errorf("not a CloudProfile: %T", obj)
	}
	return cloudProfile.Labels, SelectableFields(cloudProfile), nil
}
