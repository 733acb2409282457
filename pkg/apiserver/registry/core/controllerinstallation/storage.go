package controllerinstallation

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of ControllerInstallations.
type Storage struct {
	ControllerInstallation *registry.REST
	Status                 *registry.SubresourceREST
}

// NewStorage returns the endpoints of ControllerInstallations on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	strategy := NewStrategy(scheme)
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &core.ControllerInstallation{} },
		NewListFunc:               func() runtime.Object { return &core.ControllerInstallationList{} },
		PredicateFunc:             registry.Matcher(GetAttrs),
		DefaultQualifiedResource:  core.Resource("controllerinstallations"),
		SingularQualifiedResource: core.Resource("controllerinstallation"),

		CreateStrategy:      strategy,
		UpdateStrategy:      strategy,
		DeleteStrategy:      strategy,
		ResetFieldsStrategy: strategy,

		TableConvertor: NewTableConvertor(),
	}
	options := &generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}
	if err := store.CompleteWithOptions(options); err != nil {
		return Storage{}, fmt.Errorf("controllerinstallations: %w", err)
	}
	return Storage{
		ControllerInstallation: registry.NewREST(store, []string{"ctrlinst"}, []string{"all"}),
		Status:                 registry.NewSubresourceREST(store, NewStatusStrategy(scheme)),
	}, nil
}
