package controllerdeployment

import (
	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of ControllerDeployments.
type Storage struct {
	ControllerDeployment *registry.REST
}

// NewStorage returns the endpoints of ControllerDeployments on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	store, err := registry.NewStore(optsGetter, registry.StoreConfig{
		Resource:       core.Resource("controllerdeployments"),
		Singular:       core.Resource("controllerdeployment"),
		New:            func() runtime.Object { return &core.ControllerDeployment{} },
		NewList:        func() runtime.Object { return &core.ControllerDeploymentList{} },
		Strategy:       NewStrategy(scheme),
		Attrs:          GetAttrs,
		TableConvertor: NewTableConvertor(),
	})
	if err != nil {
		return Storage{}, err
	}
	return Storage{
		ControllerDeployment: registry.NewREST(store, []string{"ctrldeploy"}, []string{"all"}),
	}, nil
}
