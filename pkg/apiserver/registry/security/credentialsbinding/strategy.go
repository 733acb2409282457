package credentialsbinding

import (
	"context"
	"fmt"

	"github.com/gardener/gardener/pkg/apis/security"
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

// FieldLabels are the field selector paths that CredentialsBindings support.
var FieldLabels = []string{"metadata.name", "metadata.namespace", FieldProviderType}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
func ConvertFieldLabel(label, value string) (string, string, error) {
	for _, l := range FieldLabels {
		if l == label {
			return label, value, nil
		}
	}
	return "", "", fmt.Errorf("field label not supported for credentialsbindings: %s", label)
}

// Strategy handles creates, updates and deletes of CredentialsBindings.
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

// PrepareForCreate does nothing.
func (Strategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate does nothing.
func (Strategy) PrepareForUpdate(_ context.Context, _, _ runtime.Object) {}

// Validate validates a new CredentialsBinding.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateCredentialsBinding(obj.(*security.CredentialsBinding))
}

// ValidateUpdate validates an update.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateCredentialsBindingUpdate(obj.(*security.CredentialsBinding), old.(*security.CredentialsBinding))
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
