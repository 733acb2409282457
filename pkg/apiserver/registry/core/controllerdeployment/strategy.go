package controllerdeployment

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

// FieldLabels are the field selector paths that ControllerDeployments support.
var FieldLabels = []string{"metadata.name"}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
func ConvertFieldLabel(label, value string) (string, string, error) {
	for _, l := range FieldLabels {
		if l == label {
			return label, value, nil
		}
	}
	return "", "", fmt.Errorf("field label not supported for controllerdeployments: %s", label)
}

// Strategy handles creates, updates and deletes of ControllerDeployments.
type Strategy struct {
	registry.Strategy
}

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) Strategy {
	return Strategy{registry.NewStrategy(typer, false)}
}

// PrepareForCreate starts the generation at 1.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	deployment := obj.(*core.ControllerDeployment)
	deployment.Generation = 1
}

// PrepareForUpdate bumps the generation when the deployment (everything but the metadata) changes or the deletion timestamp is set.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	newControllerDeployment, oldControllerDeployment := obj.(*core.ControllerDeployment), old.(*core.ControllerDeployment)
	registry.BumpGeneration(newControllerDeployment, oldControllerDeployment, !equality.Semantic.DeepEqual(content(newControllerDeployment), content(oldControllerDeployment)))
}

// Validate validates a new ControllerDeployment.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateControllerDeployment(obj.(*core.ControllerDeployment))
}

// ValidateUpdate validates an update.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateControllerDeploymentUpdate(obj.(*core.ControllerDeployment), old.(*core.ControllerDeployment))
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
