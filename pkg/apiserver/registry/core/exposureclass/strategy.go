package exposureclass

import (
	"context"
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/hortus-dev/hortus/pkg/api/core/validation"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// FieldLabels are the field selector paths that ExposureClasses support.
var FieldLabels = []string{"metadata.name"}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
func ConvertFieldLabel(label, value string) (string, string, error) {
	for _, l := range FieldLabels {
		if l == label {
			return label, value, nil
		}
	}
	return "", "", fmt.Errorf("field label not supported for exposureclasses: %s", label)
}

// Strategy handles creates, updates and deletes of ExposureClasses.
type Strategy struct {
	registry.Strategy
}

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) Strategy {
	return Strategy{registry.NewStrategy(typer, false)}
}

// PrepareForCreate does nothing.
func (Strategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate does nothing.
func (Strategy) PrepareForUpdate(_ context.Context, _, _ runtime.Object) {}

// Validate validates a new ExposureClass.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateExposureClass(obj.(*core.ExposureClass))
}

// ValidateUpdate validates an update.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateExposureClassUpdate(obj.(*core.ExposureClass), old.(*core.ExposureClass))
}

// SelectableFields returns the fields of an ExposureClass that field selectors match.
func SelectableFields(class *core.ExposureClass) fields.Set {
	return generic.ObjectMetaFieldsSet(&class.ObjectMeta, false)
}

// GetAttrs returns the labels and selectable fields of an ExposureClass.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	class, ok := obj.(*core.ExposureClass)
	if !ok {
		return nil, nil, fmt.Errorf("not an ExposureClass: %T", obj)
	}
	return class.Labels, SelectableFields(class), nil
}
