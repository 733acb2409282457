package namespacedcloudprofile

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

// Field selector paths besides metadata.name and metadata.namespace.
const (
	FieldParentName = "spec.parent.name"
)

// FieldLabels are the field selector paths that NamespacedCloudProfiles support.
var FieldLabels = []string{"metadata.name", "metadata.namespace", FieldParentName}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
var ConvertFieldLabel = registry.ConvertFieldLabel("namespacedcloudprofiles", FieldLabels)

// rules are what the strategies of NamespacedCloudProfiles check and change.
var rules = registry.Rules[*core.NamespacedCloudProfile]{
	Namespaced:     true,
	Validate:       validation.ValidateNamespacedCloudProfile,
	ValidateUpdate: validation.ValidateNamespacedCloudProfileUpdate,
	SpecChanged:    registry.SpecChanged(spec),
}

// specStatus reaches the spec and the status of NamespacedCloudProfiles in the versions that serve them.
var specStatus = registry.SpecAndStatus([]schema.GroupVersion{gardencorev1beta1.SchemeGroupVersion}, spec, status)

func spec(p *core.NamespacedCloudProfile) *core.NamespacedCloudProfileSpec     { return &p.Spec }
func status(p *core.NamespacedCloudProfile) *core.NamespacedCloudProfileStatus { return &p.Status }

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) registry.SpecStatusStrategy[*core.NamespacedCloudProfile] {
	return registry.NewSpecStatusStrategy(typer, rules, specStatus)
}

// NewStatusStrategy returns the strategy of namespacedcloudprofiles/status: only the status changes.
func NewStatusStrategy(typer runtime.ObjectTyper) registry.StatusStrategy[*core.NamespacedCloudProfile] {
	return registry.NewStatusStrategy(typer, rules, specStatus)
}

// SelectableFields returns the fields of a NamespacedCloudProfile that field selectors match.
func SelectableFields(profile *core.NamespacedCloudProfile) fields.Set {
	set := make(fields.Set, 3)
	set[FieldParentName] = profile.Spec.Parent.Name
	return generic.AddObjectMetaFieldsSet(set, &profile.ObjectMeta, true)
}

// GetAttrs returns the labels and selectable fields of a NamespacedCloudProfile.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	profile, ok := obj.(*core.NamespacedCloudProfile)
	if !ok {
		return nil, nil, fmt.Errorf("not a NamespacedCloudProfile: %T", obj)
	}
	return profile.Labels, SelectableFields(profile), nil
}
