package shootstate

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

// FieldLabels are the field selector paths that ShootStates support.
var FieldLabels = []string{"metadata.name", "metadata.namespace"}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
var ConvertFieldLabel = registry.ConvertFieldLabel("shootstates", FieldLabels)

// rules are what the strategy of ShootStates checks and changes.
var rules = registry.Rules[*core.ShootState]{
	Namespaced: true,
	// An update must name the resourceVersion it read, as in Gardener.
	RequireResourceVersion: true,
	Validate:               validation.ValidateShootState,
	ValidateUpdate:         validation.ValidateShootStateUpdate,
	SpecChanged:            registry.SpecChanged(spec),
}

func spec(s *core.ShootState) *core.ShootStateSpec { return &s.Spec }

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) registry.Strategy[*core.ShootState] {
	return registry.NewStrategy(typer, rules)
}

// SelectableFields returns the fields of a ShootState that field selectors match.
func SelectableFields(state *core.ShootState) fields.Set {
	return generic.ObjectMetaFieldsSet(&state.ObjectMeta, true)
}

// GetAttrs returns the labels and selectable fields of a ShootState.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	state, ok := obj.(*core.ShootState)
	if !ok {
		return nil, nil, fmt.Errorf("not a ShootState: %T", obj)
	}
	return state.Labels, SelectableFields(state), nil
}
