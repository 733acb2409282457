package shootstate

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

// FieldLabels are the field selector paths that ShootStates support.
var FieldLabels = []string{"metadata.name", "metadata.namespace"}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
func ConvertFieldLabel(label, value string) (string, string, error) {
	for _, l := range FieldLabels {
		if l == label {
			return label, value, nil
		}
	}
	return "", "", fmt.Errorf("field label not supported for shootstates: %s", label)
}

// Strategy handles creates, updates and deletes of ShootStates.
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

// PrepareForCreate starts the generation at 1.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	state := obj.(*core.ShootState)
	state.Generation = 1
}

// PrepareForUpdate bumps the generation when the spec changes or the deletion timestamp is set.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	newShootState, oldShootState := obj.(*core.ShootState), old.(*core.ShootState)
	registry.BumpGeneration(newShootState, oldShootState, !equality.Semantic.DeepEqual(newShootState.Spec, oldShootState.Spec))
}

// Validate validates a new ShootState.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateShootState(obj.(*core.ShootState))
}

// ValidateUpdate validates an update.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateShootStateUpdate(obj.(*core.ShootState), old.(*core.ShootState))
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
