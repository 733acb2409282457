package shootstate

import (
	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of ShootStates.
type Storage struct {
	ShootState *registry.REST
}

// NewStorage returns the endpoints of ShootStates on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	store, err := registry.NewStore(optsGetter, registry.StoreConfig{
		Resource:       core.Resource("shootstates"),
		Singular:       core.Resource("shootstate"),
		New:            func() runtime.Object { return &core.ShootState{} },
		NewList:        func() runtime.Object { return &core.ShootStateList{} },
		Strategy:       NewStrategy(scheme),
		Attrs:          GetAttrs,
		TableConvertor: NewTableConvertor(),
	})
	if err != nil {
		return Storage{}, err
	}
	return Storage{
		ShootState: registry.NewREST(store, nil, []string{"all"}),
	}, nil
}
