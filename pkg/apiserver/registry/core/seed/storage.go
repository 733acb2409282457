package seed

import (
	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of Seeds.
type Storage struct {
	Seed   *registry.REST
	Status *registry.SubresourceREST
}

// NewStorage returns the endpoints of Seeds on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	store, err := registry.NewStore(optsGetter, registry.StoreConfig{
		Resource:       core.Resource("seeds"),
		Singular:       core.Resource("seed"),
		New:            func() runtime.Object { return &core.Seed{} },
		NewList:        func() runtime.Object { return &core.SeedList{} },
		Strategy:       NewStrategy(scheme),
		Attrs:          GetAttrs,
		TableConvertor: NewTableConvertor(),
	})
	if err != nil {
		return Storage{}, err
	}
	return Storage{
		Seed:   registry.NewREST(store, nil, nil),
		Status: registry.NewSubresourceREST(store, NewStatusStrategy(scheme)),
	}, nil
}
