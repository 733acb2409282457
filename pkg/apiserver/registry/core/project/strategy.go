package project

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/utils/ptr"

	"github.com/hortus-dev/hortus/pkg/api/core/validation"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Field selector paths besides metadata.name.
const (
	FieldNamespace = "spec.namespace"
)

// FieldLabels are the field selector paths that Projects support.
var FieldLabels = []string{"metadata.name", FieldNamespace}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
var ConvertFieldLabel = registry.ConvertFieldLabel("projects", FieldLabels)

// rules are what the strategies of Projects check and change.
var rules = registry.Rules[*core.Project]{
	Validate:       validation.ValidateProject,
	ValidateUpdate: validation.ValidateProjectUpdate,
	SpecChanged:    registry.SpecChanged(spec),
}

// specStatus reaches the spec and the status of Projects in the versions that serve them.
var specStatus = registry.SpecAndStatus([]schema.GroupVersion{gardencorev1beta1.SchemeGroupVersion}, spec, status)

func spec(p *core.Project) *core.ProjectSpec     { return &p.Spec }
func status(p *core.Project) *core.ProjectStatus { return &p.Status }

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) registry.SpecStatusStrategy[*core.Project] {
	return registry.NewSpecStatusStrategy(typer, rules, specStatus)
}

// NewStatusStrategy returns the strategy of projects/status: only the status changes.
func NewStatusStrategy(typer runtime.ObjectTyper) registry.StatusStrategy[*core.Project] {
	return registry.NewStatusStrategy(typer, rules, specStatus)
}

// SelectableFields returns the fields of a Project that field selectors match.
func SelectableFields(project *core.Project) fields.Set {
	set := make(fields.Set, 3)
	set[FieldNamespace] = ptr.Deref(project.Spec.Namespace, "")
	return generic.AddObjectMetaFieldsSet(set, &project.ObjectMeta, false)
}

// GetAttrs returns the labels and selectable fields of a Project.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	project, ok := obj.(*core.Project)
	if !ok {
		return nil, nil, fmt.Errorf("not a Project: %T", obj)
	}
	return project.Labels, SelectableFields(project), nil
}
