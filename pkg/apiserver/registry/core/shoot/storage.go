package shoot

import (
	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of Shoots.
type Storage struct {
	Shoot   *registry.REST
	Status  *registry.SubresourceREST
	Binding *registry.SubresourceREST
}

// NewStorage returns the endpoints of Shoots on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	store, err := registry.NewStore(optsGetter, registry.StoreConfig{
		Resource:       core.Resource("shoots"),
		Singular:       core.Resource("shoot"),
		New:            func() runtime.Object { return &core.Shoot{} },
		NewList:        func() runtime.Object { return &core.ShootList{} },
		Strategy:       NewStrategy(scheme),
		Attrs:          GetAttrs,
		TableConvertor: NewTableConvertor(),

		IndexFields: []string{FieldSeedName},
		Triggers:    storage.IndexerFuncs{FieldSeedName: SeedNameTriggerFunc},
		Indexers:    Indexers(),
	})
	if err != nil {
		return Storage{}, err
	}
	return Storage{
		Shoot:   registry.NewREST(store, nil, []string{"all"}),
		Status:  registry.NewSubresourceREST(store, NewStatusStrategy(scheme)),
		Binding: registry.NewSubresourceREST(store, NewBindingStrategy(scheme)),
	}, nil
}
