package managedseed

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/seedmanagement"
	seedmanagementv1alpha1 "github.com/gardener/gardener/pkg/apis/seedmanagement/v1alpha1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/hortus-dev/hortus/pkg/api/core/validation"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Field selector paths besides metadata.name and metadata.namespace.
const (
	FieldShootName = "spec.shoot.name"
)

// FieldLabels are the field selector paths that ManagedSeeds support.
var FieldLabels = []string{"metadata.name", "metadata.namespace", FieldShootName}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
var ConvertFieldLabel = registry.ConvertFieldLabel("managedseeds", FieldLabels)

// rules are what the strategies of ManagedSeeds check and change.
var rules = registry.Rules[*seedmanagement.ManagedSeed]{
	Namespaced: true,
	// An update must name the resourceVersion it read, as in Gardener.
	RequireResourceVersion: true,
	Validate:               validation.ValidateManagedSeed,
	ValidateUpdate:         validation.ValidateManagedSeedUpdate,
	SpecChanged:            registry.SpecChanged(spec),
}

// specStatus reaches the spec and the status of ManagedSeeds in the versions that serve them.
var specStatus = registry.SpecAndStatus([]schema.GroupVersion{seedmanagementv1alpha1.SchemeGroupVersion}, spec, status)

func spec(m *seedmanagement.ManagedSeed) *seedmanagement.ManagedSeedSpec     { return &m.Spec }
func status(m *seedmanagement.ManagedSeed) *seedmanagement.ManagedSeedStatus { return &m.Status }

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) registry.SpecStatusStrategy[*seedmanagement.ManagedSeed] {
	return registry.NewSpecStatusStrategy(typer, rules, specStatus)
}

// NewStatusStrategy returns the strategy of managedseeds/status: only the status changes.
func NewStatusStrategy(typer runtime.ObjectTyper) registry.StatusStrategy[*seedmanagement.ManagedSeed] {
	return registry.NewStatusStrategy(typer, rules, specStatus)
}

// SelectableFields returns the fields of a ManagedSeed that field selectors match.
func SelectableFields(managedSeed *seedmanagement.ManagedSeed) fields.Set {
	set := make(fields.Set, 3)
	set[FieldShootName] = shootName(managedSeed)
	return generic.AddObjectMetaFieldsSet(set, &managedSeed.ObjectMeta, true)
}

// GetAttrs returns the labels and selectable fields of a ManagedSeed.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	managedSeed, ok := obj.(*seedmanagement.ManagedSeed)
	if !ok {
		return nil, nil, fmt.Errorf("not a ManagedSeed: %T", obj)
	}
	return managedSeed.Labels, SelectableFields(managedSeed), nil
}

func shootName(managedSeed *seedmanagement.ManagedSeed) string {
	if managedSeed.Spec.Shoot == nil {
		return ""
	}
	return managedSeed.Spec.Shoot.Name
}
