package quota

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

// FieldLabels are the field selector paths that Quotas support.
var FieldLabels = []string{"metadata.name", "metadata.namespace"}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
var ConvertFieldLabel = registry.ConvertFieldLabel("quotas", FieldLabels)

// rules are what the strategy of Quotas checks and changes.
var rules = registry.Rules[*core.Quota]{
	Namespaced:     true,
	Validate:       validation.ValidateQuota,
	ValidateUpdate: validation.ValidateQuotaUpdate,
}

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) registry.Strategy[*core.Quota] {
	return registry.NewStrategy(typer, rules)
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
