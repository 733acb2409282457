package seed

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	FieldProviderType = "spec.provider.type"
)

// FieldLabels are the field selector paths that Seeds support.
var FieldLabels = []string{"metadata.name", FieldProviderType}

// ConvertFieldLabel accepts the field selector paths of FieldLabels.
var ConvertFieldLabel = registry.ConvertFieldLabel("seeds", FieldLabels)

// rules are what the strategies of Seeds check and change.
var rules = registry.Rules[*core.Seed]{
	Canonicalize:   setProviderLabels,
	Validate:       validation.ValidateSeed,
	ValidateUpdate: validation.ValidateSeedUpdate,
	SpecChanged:    registry.SpecChanged(spec),
}

// specStatus reaches the spec and the status of Seeds in the versions that serve them.
var specStatus = registry.SpecAndStatus([]schema.GroupVersion{gardencorev1beta1.SchemeGroupVersion}, spec, status)

func spec(s *core.Seed) *core.SeedSpec     { return &s.Spec }
func status(s *core.Seed) *core.SeedStatus { return &s.Status }

// setProviderLabels sets the seed.gardener.cloud/provider and seed.gardener.cloud/region
// labels from the spec, as Gardener does.
func setProviderLabels(seed *core.Seed) {
	metav1.SetMetaDataLabel(&seed.ObjectMeta, v1beta1constants.LabelSeedProvider, seed.Spec.Provider.Type)
	metav1.SetMetaDataLabel(&seed.ObjectMeta, v1beta1constants.LabelSeedRegion, seed.Spec.Provider.Region)
}

// NewStrategy returns the strategy of the main endpoint.
func NewStrategy(typer runtime.ObjectTyper) registry.SpecStatusStrategy[*core.Seed] {
	return registry.NewSpecStatusStrategy(typer, rules, specStatus)
}

// NewStatusStrategy returns the strategy of seeds/status: only the status changes.
func NewStatusStrategy(typer runtime.ObjectTyper) registry.StatusStrategy[*core.Seed] {
	return registry.NewStatusStrategy(typer, rules, specStatus)
}

// SelectableFields returns the fields of a Seed that field selectors match.
func SelectableFields(seed *core.Seed) fields.Set {
	set := make(fields.Set, 3)
	set[FieldProviderType] = seed.Spec.Provider.Type
	return generic.AddObjectMetaFieldsSet(set, &seed.ObjectMeta, false)
}

// GetAttrs returns the labels and selectable fields of a Seed.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	seed, ok := obj.(*core.Seed)
	if !ok {
		return nil, nil, fmt.Errorf("not a Seed: %T", obj)
	}
	return seed.Labels, SelectableFields(seed), nil
}
