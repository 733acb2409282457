package controllerregistration

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of ControllerRegistrations.
type Storage struct {
	ControllerRegistration *registry.REST
}

// NewStorage returns the endpoints of ControllerRegistrations on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	strategy := NewStrategy(scheme)
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &core.ControllerRegistration{} },
		NewListFunc:               func() runtime.Object { return &core.ControllerRegistrationList{} },
		PredicateFunc:             registry.Matcher(GetAttrs),
		DefaultQualifiedResource:  core.Resource("controllerregistrations"),
		SingularQualifiedResource: core.Resource("controllerregistration"),

		CreateStrategy: strategy,
		UpdateStrategy: strategy,
		DeleteStrategy: strategy,

		TableConvertor: NewTableConvertor(),
	}
	options := &generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}
	if err := store.CompleteWithOptions(options); err != nil {
		return Storage{}, fmt.Errorf("controllerregistrations: %w", err)
	}
	return Storage{
		ControllerRegistration: registry.NewREST(store, []string{"ctrlreg"}, []string{"all"}),
	}, nil
}
