package controllerregistration

import (
	"context"
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/hortus-dev/hortus/pkg/api/core/validation"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// FieldLabels are the field selector paths that ControllerRegistrations support.
var FieldLabels = []string{"metadata.name"}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
func ConvertFieldLabel(label, value string) (string, string, error) {
	for _, l := range FieldLabels {
		if l == label {
			return label, value, nil
		}
	}
	return "", "", fmt.Errorf("field label not supported for controllerregistrations: %s", label)
}

// Strategy handles creates, updates and deletes of ControllerRegistrations.
type Strategy struct {
	registry.Strategy
}

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) Strategy {
	return Strategy{registry.NewStrategy(typer, false)}
}

// PrepareForCreate starts the generation at 1.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	registration := obj.(*core.ControllerRegistration)
	registration.Generation = 1
}

// PrepareForUpdate bumps the generation when the spec changes or the deletion timestamp is set.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	newControllerRegistration, oldControllerRegistration := obj.(*core.ControllerRegistration), old.(*core.ControllerRegistration)
	registry.BumpGeneration(newControllerRegistration, oldControllerRegistration, !equality.Semantic.DeepEqual(newControllerRegistration.Spec, oldControllerRegistration.Spec))
}

// Validate validates a new ControllerRegistration.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateControllerRegistration(obj.(*core.ControllerRegistration))
}

// ValidateUpdate validates an update.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateControllerRegistrationUpdate(obj.(*core.ControllerRegistration), old.(*core.ControllerRegistration))
}

// SelectableFields returns the fields of a ControllerRegistration that field selectors match.
func SelectableFields(registration *core.ControllerRegistration) fields.Set {
	return generic.ObjectMetaFieldsSet(&registration.ObjectMeta, false)
}

// GetAttrs returns the labels and selectable fields of a ControllerRegistration.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	registration, ok := obj.(*core.ControllerRegistration)
	if !ok {
		return nil, nil, fmt.Errorf("not a ControllerRegistration: %T", obj)
	}
	return registration.Labels, SelectableFields(registration), nil
}
