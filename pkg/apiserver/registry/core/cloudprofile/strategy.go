package cloudprofile

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

// FieldLabels are the field selector paths that CloudProfiles support.
var FieldLabels = []string{"metadata.name"}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
var ConvertFieldLabel = registry.ConvertFieldLabel("cloudprofiles", FieldLabels)

// rules are what the strategies of CloudProfiles check and change.
var rules = registry.Rules[*core.CloudProfile]{
	Validate:       validation.ValidateCloudProfile,
	ValidateUpdate: validation.ValidateCloudProfileUpdate,
	SpecChanged:    registry.SpecChanged(spec),
}

// specStatus reaches the spec and the status of CloudProfiles in the versions that serve them.
var specStatus = registry.SpecAndStatus([]schema.GroupVersion{gardencorev1beta1.SchemeGroupVersion}, spec, status)

func spec(p *core.CloudProfile) *core.CloudProfileSpec     { return &p.Spec }
func status(p *core.CloudProfile) *core.CloudProfileStatus { return &p.Status }

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) registry.SpecStatusStrategy[*core.CloudProfile] {
	return registry.NewSpecStatusStrategy(typer, rules, specStatus)
}

// NewStatusStrategy returns the strategy of cloudprofiles/status: only the status changes.
func NewStatusStrategy(typer runtime.ObjectTyper) registry.StatusStrategy[*core.CloudProfile] {
	return registry.NewStatusStrategy(typer, rules, specStatus)
}

// SelectableFields returns the fields of a CloudProfile that field selectors match.
func SelectableFields(cloudProfile *core.CloudProfile) fields.Set {
	return generic.ObjectMetaFieldsSet(&cloudProfile.ObjectMeta, false)
}

// GetAttrs returns the labels and selectable fields of a CloudProfile.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	cloudProfile, ok := obj.(*core.CloudProfile)
	if !ok {
		return nil, nil, fmt.Errorf("not a CloudProfile: %T", obj)
	}
	return cloudProfile.Labels, SelectableFields(cloudProfile), nil
}
