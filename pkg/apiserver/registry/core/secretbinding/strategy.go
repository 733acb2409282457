package secretbinding

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

// Field selector paths besides metadata.name and metadata.namespace.
const (
	FieldProviderType = "provider.type"
)

// FieldLabels are the field selector paths that SecretBindings support.
var FieldLabels = []string{"metadata.name", "metadata.namespace", FieldProviderType}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
var ConvertFieldLabel = registry.ConvertFieldLabel("secretbindings", FieldLabels)

// rules are what the strategy of SecretBindings checks and changes.
var rules = registry.Rules[*core.SecretBinding]{
	Namespaced:     true,
	Validate:       validation.ValidateSecretBinding,
	ValidateUpdate: validation.ValidateSecretBindingUpdate,
}

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) registry.Strategy[*core.SecretBinding] {
	return registry.NewStrategy(typer, rules)
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
