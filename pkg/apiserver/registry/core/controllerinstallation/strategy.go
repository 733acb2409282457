package controllerinstallation

import (
	"context"
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	corev1 "k8s.io/api/core/v1"
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

// Field selector paths besides metadata.name.
const (
	FieldRegistrationRefName = "spec.registrationRef.name"
	FieldSeedRefName         = "spec.seedRef.name"
	FieldShootRefName        = "spec.shootRef.name"
	FieldShootRefNamespace   = "spec.shootRef.namespace"
)

// FieldLabels are the field selector paths that ControllerInstallations support.
var FieldLabels = []string{"metadata.name", FieldRegistrationRefName, FieldSeedRefName, FieldShootRefName, FieldShootRefNamespace}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
func ConvertFieldLabel(label, value string) (string, string, error) {
	for _, l := range FieldLabels {
		if l == label {
			return label, value, nil
		}
	}
	return "", "", fmt.Errorf("field label not supported for controllerinstallations: %s", label)
}

// groupVersions are the versions that serve ControllerInstallations, for the reset fields of server-side apply.
var groupVersions = []schema.GroupVersion{gardencorev1beta1.SchemeGroupVersion}

// Strategy handles creates, updates and deletes of ControllerInstallations through the main endpoint.
type Strategy struct {
	registry.Strategy
}

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) Strategy {
	return Strategy{registry.NewStrategy(typer, false)}
}

// PrepareForCreate clears the status and starts the generation at 1.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	installation := obj.(*core.ControllerInstallation)
	installation.Generation = 1
	installation.Status = core.ControllerInstallationStatus{}
}

// PrepareForUpdate keeps the status and bumps the generation when the spec changes or the deletion timestamp is set.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	newControllerInstallation, oldControllerInstallation := obj.(*core.ControllerInstallation), old.(*core.ControllerInstallation)
	newControllerInstallation.Status = oldControllerInstallation.Status
	registry.BumpGeneration(newControllerInstallation, oldControllerInstallation, !equality.Semantic.DeepEqual(newControllerInstallation.Spec, oldControllerInstallation.Spec))
}

// Validate validates a new ControllerInstallation.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateControllerInstallation(obj.(*core.ControllerInstallation))
}

// ValidateUpdate validates an update.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateControllerInstallationUpdate(obj.(*core.ControllerInstallation), old.(*core.ControllerInstallation))
}

// GetResetFields names the fields that the main endpoint ignores: the status.
func (Strategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return registry.ResetFields(groupVersions, "status")
}

// StatusStrategy handles updates through controllerinstallations/status: only the status changes.
type StatusStrategy struct {
	Strategy
}

// NewStatusStrategy returns the strategy of the status subresource.
func NewStatusStrategy(typer runtime.ObjectTyper) StatusStrategy {
	return StatusStrategy{NewStrategy(typer)}
}

// PrepareForUpdate keeps the spec; the generation stays.
func (StatusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*core.ControllerInstallation).Spec = old.(*core.ControllerInstallation).Spec
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

// SelectableFields returns the fields of a ControllerInstallation that field selectors match.
func SelectableFields(installation *core.ControllerInstallation) fields.Set {
	set := make(fields.Set, 6)
	set[FieldRegistrationRefName] = installation.Spec.RegistrationRef.Name
	set[FieldSeedRefName] = refName(installation.Spec.SeedRef)
	set[FieldShootRefName] = refName(installation.Spec.ShootRef)
	set[FieldShootRefNamespace] = refNamespace(installation.Spec.ShootRef)
	return generic.AddObjectMetaFieldsSet(set, &installation.ObjectMeta, false)
}

// GetAttrs returns the labels and selectable fields of a ControllerInstallation.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	installation, ok := obj.(*core.ControllerInstallation)
	if !ok {
		return nil, nil, fmt.Errorf("not a ControllerInstallation: %T", obj)
	}
	return installation.Labels, SelectableFields(installation), nil
}

func refName(ref *corev1.ObjectReference) string {
	if ref == nil {
		return ""
	}
	return ref.Name
}

func refNamespace(ref *corev1.ObjectReference) string {
	if ref == nil {
		return ""
	}
	return ref.Namespace
}
