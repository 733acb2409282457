package controllerdeployment

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/hortus-dev/hortus/pkg/api/core/validation"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// FieldLabels are the field selector paths that ControllerDeployments support.
var FieldLabels = []string{"metadata.name"}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
var ConvertFieldLabel = registry.ConvertFieldLabel("controllerdeployments", FieldLabels)

// rules are what the strategy of ControllerDeployments checks and changes.
var rules = registry.Rules[*core.ControllerDeployment]{
	Validate:       validation.ValidateControllerDeployment,
	ValidateUpdate: validation.ValidateControllerDeploymentUpdate,
	// The generation counts changes of everything but the metadata.
	SpecChanged: func(newObj, oldObj *core.ControllerDeployment) bool {
		return !equality.Semantic.DeepEqual(content(newObj), content(oldObj))
	},
}

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) registry.Strategy[*core.ControllerDeployment] {
	return registry.NewStrategy(typer, rules)
}

// SelectableFields returns the fields of a ControllerDeployment that field selectors match.
func SelectableFields(deployment *core.ControllerDeployment) fields.Set {
	return generic.ObjectMetaFieldsSet(&deployment.ObjectMeta, false)
}

// GetAttrs returns the labels and selectable fields of a ControllerDeployment.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	deployment, ok := obj.(*core.ControllerDeployment)
	if !ok {
		return nil, nil, fmt.Errorf("not a ControllerDeployment: %T", obj)
	}
	return deployment.Labels, SelectableFields(deployment), nil
}

// content is what a ControllerDeployment describes besides its metadata.
func content(d *core.ControllerDeployment) any {
	return []any{d.Type, d.ProviderConfig, d.Helm, d.InjectGardenKubeconfig}
}
