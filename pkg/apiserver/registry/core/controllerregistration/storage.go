package controllerregistration

import (
	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of ControllerRegistrations.
type Storage struct {
	ControllerRegistration *registry.REST
}

// NewStorage returns the endpoints of ControllerRegistrations on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	store, err := registry.NewStore(optsGetter, registry.StoreConfig{
		Resource:       core.Resource("controllerregistrations"),
		Singular:       core.Resource("controllerregistration"),
		New:            func() runtime.Object { return &core.ControllerRegistration{} },
		NewList:        func() runtime.Object { return &core.ControllerRegistrationList{} },
		Strategy:       NewStrategy(scheme),
		Attrs:          GetAttrs,
		TableConvertor: NewTableConvertor(),
	})
	if err != nil {
		return Storage{}, err
	}
	return Storage{
		ControllerRegistration: registry.NewREST(store, []string{"ctrlreg"}, []string{"all"}),
	}, nil
}
