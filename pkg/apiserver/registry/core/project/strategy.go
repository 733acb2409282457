package project

import (
	"context"
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

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
func ConvertFieldLabel(label, value string) (string, string, error) {
	for _, l := range FieldLabels {
		if l == label {
			return label, value, nil
		}
	}
	return "", "", fmt.Errorf("field label not supported for projects: %s", label)
}

// groupVersions are the versions that serve Projects, for the reset fields of server-side apply.
var groupVersions = []schema.GroupVersion{gardencorev1beta1.SchemeGroupVersion}

// Strategy handles creates, updates and deletes of Projects through the main endpoint.
type Strategy struct {
	registry.Strategy
}

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) Strategy {
	return Strategy{registry.NewStrategy(typer, false)}
}

// PrepareForCreate clears the status and starts the generation at 1.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	project := obj.(*core.Project)
	project.Generation = 1
	project.Status = core.ProjectStatus{}
}

// PrepareForUpdate keeps the status and bumps the generation when the spec changes or the deletion timestamp is set.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	newProject, oldProject := obj.(*core.Project), old.(*core.Project)
	newProject.Status = oldProject.Status
	registry.BumpGeneration(newProject, oldProject, !equality.Semantic.DeepEqual(newProject.Spec, oldProject.Spec))
}

// Validate validates a new Project.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateProject(obj.(*core.Project))
}

// ValidateUpdate validates an update.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateProjectUpdate(obj.(*core.Project), old.(*core.Project))
}

// GetResetFields names the fields that the main endpoint ignores: the status.
func (Strategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return registry.ResetFields(groupVersions, "status")
}

// StatusStrategy handles updates through projects/status: only the status changes.
type StatusStrategy struct {
	Strategy
}

// NewStatusStrategy returns the strategy of the status subresource.
func NewStatusStrategy(typer runtime.ObjectTyper) StatusStrategy {
	return StatusStrategy{NewStrategy(typer)}
}

// PrepareForUpdate keeps the spec; the generation stays.
func (StatusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*core.Project).Spec = old.(*core.Project).Spec
}

// ValidateUpdate has nothing to check beyond the metadata, which the generic store
// validates: the spec is the stored one, and the status is written by Hortus' own
// components.
func (StatusStrategy) ValidateUpdate(_ context.Context, _, _ runtime.Object) field.ErrorList {
	return nil
}

// GetResetFields names the fields that /status ignores: the spec.
func (StatusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return registry.ResetFields(groupVersions, "spec")
}

// SelectableFields returns the fields of a Project that field selectors match.
func SelectableFields(project *core.Project) fields.Set {
	set := make(fields.Set, 3)
	set[FieldNamespace] = deref(project.Spec.Namespace)
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

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
