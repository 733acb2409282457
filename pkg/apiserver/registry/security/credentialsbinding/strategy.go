package credentialsbinding

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/security"
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

// FieldLabels are the field selector paths that CredentialsBindings support.
var FieldLabels = []string{"metadata.name", "metadata.namespace", FieldProviderType}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
var ConvertFieldLabel = registry.ConvertFieldLabel("credentialsbindings", FieldLabels)

// rules are what the strategy of CredentialsBindings checks and changes.
var rules = registry.Rules[*security.CredentialsBinding]{
	Namespaced: true,
	// An update must name the resourceVersion it read, as in Gardener.
	RequireResourceVersion: true,
	Validate:               validation.ValidateCredentialsBinding,
	ValidateUpdate:         validation.ValidateCredentialsBindingUpdate,
}

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) registry.Strategy[*security.CredentialsBinding] {
	return registry.NewStrategy(typer, rules)
}

// SelectableFields returns the fields of a CredentialsBinding that field selectors match.
func SelectableFields(binding *security.CredentialsBinding) fields.Set {
	set := make(fields.Set, 3)
	set[FieldProviderType] = binding.Provider.Type
	return generic.AddObjectMetaFieldsSet(set, &binding.ObjectMeta, true)
}

// GetAttrs returns the labels and selectable fields of a CredentialsBinding.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	binding, ok := obj.(*security.CredentialsBinding)
	if !ok {
		return nil, nil, fmt.Errorf("not a CredentialsBinding: %T", obj)
	}
	return binding.Labels, SelectableFields(binding), nil
}
