package quota

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

// FieldLabels are the field selector paths that Quotas support.
var FieldLabels = []string{"metadata.name", "metadata.namespace"}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
func ConvertFieldLabel(label, value string) (string, string, error) {
	for _, l := range FieldLabels {
		if l == label {
			return label, value, nil
		}
	}
	return "", "", fmt.Errorf("field label not supported for quotas: %s", label)
}

// Strategy handles creates, updates and deletes of Quotas.
type Strategy struct {
	registry.Strategy
}

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) Strategy {
	return Strategy{registry.NewStrategy(typer, true)}
}

// PrepareForCreate does nothing.
func (Strategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate does nothing.
func (Strategy) PrepareForUpdate(_ context.Context, _, _ runtime.Object) {}

// Validate validates a new Quota.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateQuota(obj.(*core.Quota))
}

// ValidateUpdate validates an update.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateQuotaUpdate(obj.(*core.Quota), old.(*core.Quota))
}

// SelectableFields returns the fields of a Quota that field selectors match.
func SelectableFields(quota *core.Quota) fields.Set {
	return generic.ObjectMetaFieldsSet(&quota.ObjectMeta, true)
}

// GetAttrs returns the labels and selectable fields of a Quota.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	quota, ok := obj.(*core.Quota)
	if !ok {
		return nil, nil, fmt.Errorf("not a Quota: %T", obj)
	}
	return quota.Labels, SelectableFields(quota), nil
}
