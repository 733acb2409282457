package controllerinstallation

import (
	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of ControllerInstallations.
type Storage struct {
	ControllerInstallation *registry.REST
	Status                 *registry.SubresourceREST
}

// NewStorage returns the endpoints of ControllerInstallations on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	store, err := registry.NewStore(optsGetter, registry.StoreConfig{
		Resource:       core.Resource("controllerinstallations"),
		Singular:       core.Resource("controllerinstallation"),
		New:            func() runtime.Object { return &core.ControllerInstallation{} },
		NewList:        func() runtime.Object { return &core.ControllerInstallationList{} },
		Strategy:       NewStrategy(scheme),
		Attrs:          GetAttrs,
		TableConvertor: NewTableConvertor(),
	})
	if err != nil {
		return Storage{}, err
	}
	return Storage{
		ControllerInstallation: registry.NewREST(store, []string{"ctrlinst"}, []string{"all"}),
		Status:                 registry.NewSubresourceREST(store, NewStatusStrategy(scheme)),
	}, nil
}
