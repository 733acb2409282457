package secretbinding

import (
	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of SecretBindings.
type Storage struct {
	SecretBinding *registry.REST
}

// NewStorage returns the endpoints of SecretBindings on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	store, err := registry.NewStore(optsGetter, registry.StoreConfig{
		Resource:       core.Resource("secretbindings"),
		Singular:       core.Resource("secretbinding"),
		New:            func() runtime.Object { return &core.SecretBinding{} },
		NewList:        func() runtime.Object { return &core.SecretBindingList{} },
		Strategy:       NewStrategy(scheme),
		Attrs:          GetAttrs,
		TableConvertor: NewTableConvertor(),
	})
	if err != nil {
		return Storage{}, err
	}
	return Storage{
		SecretBinding: registry.NewREST(store, []string{"sb"}, nil),
	}, nil
}
