package internalsecret

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
	FieldType = "type"
)

// FieldLabels are the field selector paths that InternalSecrets support.
var FieldLabels = []string{"metadata.name", "metadata.namespace", FieldType}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
func ConvertFieldLabel(label, value string) (string, string, error) {
	for _, l := range FieldLabels {
		if l == label {
			return label, value, nil
		}
	}
	return "", "", fmt.Errorf("field label not supported for internalsecrets: %s", label)
}

// Strategy handles creates, updates and deletes of InternalSecrets.
type Strategy struct {
	registry.Strategy
}

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) Strategy {
	return Strategy{registry.NewStrategy(typer, true)}
}

// PrepareForCreate does nothing.
func (Strategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate keeps the stored type when the update has none.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	newInternalSecret, oldInternalSecret := obj.(*core.InternalSecret), old.(*core.InternalSecret)
	// An update without a type keeps the stored one, as for Secrets.
	if newInternalSecret.Type == "" {
		newInternalSecret.Type = oldInternalSecret.Type
	}
}

// Validate validates a new InternalSecret.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateInternalSecret(obj.(*core.InternalSecret))
}

// ValidateUpdate validates an update.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateInternalSecretUpdate(obj.(*core.InternalSecret), old.(*core.InternalSecret))
}

// SelectableFields returns the fields of an InternalSecret that field selectors match.
func SelectableFields(secret *core.InternalSecret) fields.Set {
	set := make(fields.Set, 3)
	set[FieldType] = string(secret.Type)
	return generic.AddObjectMetaFieldsSet(set, &secret.ObjectMeta, true)
}

// GetAttrs returns the labels and selectable fields of an InternalSecret.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	secret, ok := obj.(*core.InternalSecret)
	if !ok {
		return nil, nil, fmt.Errorf("not an InternalSecret: %T", obj)
	}
	return secret.Labels, SelectableFields(secret), nil
}
