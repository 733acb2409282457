package internalsecret

import (
	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of InternalSecrets.
type Storage struct {
	InternalSecret *registry.REST
}

// NewStorage returns the endpoints of InternalSecrets on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	store, err := registry.NewStore(optsGetter, registry.StoreConfig{
		Resource:       core.Resource("internalsecrets"),
		Singular:       core.Resource("internalsecret"),
		New:            func() runtime.Object { return &core.InternalSecret{} },
		NewList:        func() runtime.Object { return &core.InternalSecretList{} },
		Strategy:       NewStrategy(scheme),
		Attrs:          GetAttrs,
		TableConvertor: NewTableConvertor(),
	})
	if err != nil {
		return Storage{}, err
	}
	return Storage{
		InternalSecret: registry.NewREST(store, []string{"ins"}, nil),
	}, nil
}
