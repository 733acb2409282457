package exposureclass

import (
	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of ExposureClasses.
type Storage struct {
	ExposureClass *registry.REST
}

// NewStorage returns the endpoints of ExposureClasses on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	store, err := registry.NewStore(optsGetter, registry.StoreConfig{
		Resource:       core.Resource("exposureclasses"),
		Singular:       core.Resource("exposureclass"),
		New:            func() runtime.Object { return &core.ExposureClass{} },
		NewList:        func() runtime.Object { return &core.ExposureClassList{} },
		Strategy:       NewStrategy(scheme),
		Attrs:          GetAttrs,
		TableConvertor: NewTableConvertor(),
	})
	if err != nil {
		return Storage{}, err
	}
	return Storage{
		ExposureClass: registry.NewREST(store, []string{"expclass", "expcls"}, nil),
	}, nil
}
