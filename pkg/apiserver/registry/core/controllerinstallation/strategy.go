package controllerinstallation

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/hortus-dev/hortus/pkg/api/core/validation"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Field selector paths besides metadata.name.
const (
	FieldRegistrationRefName = "spec.registrationRef.name"
	FieldSeedRefName         = "spec.seedRef.name"
	FieldShootRefName        = "spec.shootRef.name"
	FieldShootRefNamespace   = "spec.shootRef.namespace"
)

// FieldLabels are the field selector paths that ControllerInstallations support.
var FieldLabels = []string{"metadata.name", FieldRegistrationRefName, FieldSeedRefName, FieldShootRefName, FieldShootRefNamespace}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
var ConvertFieldLabel = registry.ConvertFieldLabel("controllerinstallations", FieldLabels)

// rules are what the strategies of ControllerInstallations check and change.
var rules = registry.Rules[*core.ControllerInstallation]{
	Validate:       validation.ValidateControllerInstallation,
	ValidateUpdate: validation.ValidateControllerInstallationUpdate,
	SpecChanged:    registry.SpecChanged(spec),
}

// specStatus reaches the spec and the status of ControllerInstallations in the versions that serve them.
var specStatus = registry.SpecAndStatus([]schema.GroupVersion{gardencorev1beta1.SchemeGroupVersion}, spec, status)

func spec(i *core.ControllerInstallation) *core.ControllerInstallationSpec     { return &i.Spec }
func status(i *core.ControllerInstallation) *core.ControllerInstallationStatus { return &i.Status }

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) registry.SpecStatusStrategy[*core.ControllerInstallation] {
	return registry.NewSpecStatusStrategy(typer, rules, specStatus)
}

// NewStatusStrategy returns the strategy of controllerinstallations/status: only the status changes.
func NewStatusStrategy(typer runtime.ObjectTyper) registry.StatusStrategy[*core.ControllerInstallation] {
	return registry.NewStatusStrategy(typer, rules, specStatus)
}

// SelectableFields returns the fields of a ControllerInstallation that field selectors match.
func SelectableFields(installation *core.ControllerInstallation) fields.Set {
	set := make(fields.Set, 6)
	set[FieldRegistrationRefName] = installation.Spec.RegistrationRef.Name
	set[FieldSeedRefName] = registry.RefName(installation.Spec.SeedRef)
	set[FieldShootRefName] = registry.RefName(installation.Spec.ShootRef)
	set[FieldShootRefNamespace] = registry.RefNamespace(installation.Spec.ShootRef)
	return generic.AddObjectMetaFieldsSet(set, &installation.ObjectMeta, false)
}

// GetAttrs returns the labels and selectable fields of a ControllerInstallation.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	installation, ok := obj.(*core.ControllerInstallation)
	if !ok {
		return nil, nil, fmt.Errorf("not a ControllerInstallation: %T", obj)
	}
	return installation.Labels, SelectableFields(installation), nil
}
