package managedseed

import (
	"github.com/gardener/gardener/pkg/apis/seedmanagement"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of ManagedSeeds.
type Storage struct {
	ManagedSeed *registry.REST
	Status      *registry.SubresourceREST
}

// NewStorage returns the endpoints of ManagedSeeds on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	store, err := registry.NewStore(optsGetter, registry.StoreConfig{
		Resource:       seedmanagement.Resource("managedseeds"),
		Singular:       seedmanagement.Resource("managedseed"),
		New:            func() runtime.Object { return &seedmanagement.ManagedSeed{} },
		NewList:        func() runtime.Object { return &seedmanagement.ManagedSeedList{} },
		Strategy:       NewStrategy(scheme),
		Attrs:          GetAttrs,
		TableConvertor: NewTableConvertor(),
	})
	if err != nil {
		return Storage{}, err
	}
	return Storage{
		ManagedSeed: registry.NewREST(store, []string{"ms"}, nil),
		Status:      registry.NewSubresourceREST(store, NewStatusStrategy(scheme)),
	}, nil
}
