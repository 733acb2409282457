package secretbinding

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

// Field selector paths besides metadata.name and metadata.namespace.
const (
	FieldProviderType = "provider.type"
)

// FieldLabels are the field selector paths that SecretBindings support.
var FieldLabels = []string{"metadata.name", "metadata.namespace", FieldProviderType}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
func ConvertFieldLabel(label, value string) (string, string, error) {
	for _, l := range FieldLabels {
		if l == label {
			return label, value, nil
		}
	}
	return "", "", fmt.Errorf("field label not supported for secretbindings: %s", label)
}

// Strategy handles creates, updates and deletes of SecretBindings.
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

// Validate validates a new SecretBinding.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateSecretBinding(obj.(*core.SecretBinding))
}

// ValidateUpdate validates an update.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateSecretBindingUpdate(obj.(*core.SecretBinding), old.(*core.SecretBinding))
}

// SelectableFields returns the fields of a SecretBinding that field selectors match.
func SelectableFields(binding *core.SecretBinding) fields.Set {
	set := make(fields.Set, 3)
	set[FieldProviderType] = providerType(binding)
	return generic.AddObjectMetaFieldsSet(set, &binding.ObjectMeta, true)
}

// GetAttrs returns the labels and selectable fields of a SecretBinding.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	binding, ok := obj.(*core.SecretBinding)
	if !ok {
		return nil, nil, fmt.Errorf("not a SecretBinding: %T", obj)
	}
	return binding.Labels, SelectableFields(binding), nil
}

func providerType(binding *core.SecretBinding) string {
	if binding.Provider == nil {
		return ""
	}
	return binding.Provider.Type
}
