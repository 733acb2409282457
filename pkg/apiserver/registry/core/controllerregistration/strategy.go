package controllerregistration

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/hortus-dev/hortus/pkg/api/core/validation"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// FieldLabels are the field selector paths that ControllerRegistrations support.
var FieldLabels = []string{"metadata.name"}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
var ConvertFieldLabel = registry.ConvertFieldLabel("controllerregistrations", FieldLabels)

// rules are what the strategy of ControllerRegistrations checks and changes.
var rules = registry.Rules[*core.ControllerRegistration]{
	Validate:       validation.ValidateControllerRegistration,
	ValidateUpdate: validation.ValidateControllerRegistrationUpdate,
	SpecChanged:    registry.SpecChanged(spec),
}

func spec(r *core.ControllerRegistration) *core.ControllerRegistrationSpec { return &r.Spec }

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) registry.Strategy[*core.ControllerRegistration] {
	return registry.NewStrategy(typer, rules)
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
