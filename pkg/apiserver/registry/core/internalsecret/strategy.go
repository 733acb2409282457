package internalsecret

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
	FieldType = "type"
)

// FieldLabels are the field selector paths that InternalSecrets support.
var FieldLabels = []string{"metadata.name", "metadata.namespace", FieldType}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
var ConvertFieldLabel = registry.ConvertFieldLabel("internalsecrets", FieldLabels)

// rules are what the strategy of InternalSecrets checks and changes.
var rules = registry.Rules[*core.InternalSecret]{
	Namespaced:       true,
	Validate:         validation.ValidateInternalSecret,
	ValidateUpdate:   validation.ValidateInternalSecretUpdate,
	PrepareForUpdate: keepType,
}

// keepType keeps the stored type when an update has none, as for Secrets.
func keepType(newSecret, oldSecret *core.InternalSecret) {
	if newSecret.Type == "" {
		newSecret.Type = oldSecret.Type
	}
}

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) registry.Strategy[*core.InternalSecret] {
	return registry.NewStrategy(typer, rules)
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
