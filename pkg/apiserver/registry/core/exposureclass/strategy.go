package exposureclass

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

// FieldLabels are the field selector paths that ExposureClasses support.
var FieldLabels = []string{"metadata.name"}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
var ConvertFieldLabel = registry.ConvertFieldLabel("exposureclasses", FieldLabels)

// rules are what the strategy of ExposureClasses checks and changes.
var rules = registry.Rules[*core.ExposureClass]{
	Validate:       validation.ValidateExposureClass,
	ValidateUpdate: validation.ValidateExposureClassUpdate,
}

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) registry.Strategy[*core.ExposureClass] {
	return registry.NewStrategy(typer, rules)
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
