package quota

import (
	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of Quotas.
type Storage struct {
	Quota *registry.REST
}

// NewStorage returns the endpoints of Quotas on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	store, err := registry.NewStore(optsGetter, registry.StoreConfig{
		Resource:       core.Resource("quotas"),
		Singular:       core.Resource("quota"),
		New:            func() runtime.Object { return &core.Quota{} },
		NewList:        func() runtime.Object { return &core.QuotaList{} },
		Strategy:       NewStrategy(scheme),
		Attrs:          GetAttrs,
		TableConvertor: NewTableConvertor(),
	})
	if err != nil {
		return Storage{}, err
	}
	return Storage{
		Quota: registry.NewREST(store, []string{"squota"}, nil),
	}, nil
}
