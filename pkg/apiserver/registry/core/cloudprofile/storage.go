package cloudprofile

import (
	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of CloudProfiles.
type Storage struct {
	CloudProfile *registry.REST
	Status       *registry.SubresourceREST
}

// NewStorage returns the endpoints of CloudProfiles on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	store, err := registry.NewStore(optsGetter, registry.StoreConfig{
		Resource:       core.Resource("cloudprofiles"),
		Singular:       core.Resource("cloudprofile"),
		New:            func() runtime.Object { return &core.CloudProfile{} },
		NewList:        func() runtime.Object { return &core.CloudProfileList{} },
		Strategy:       NewStrategy(scheme),
		Attrs:          GetAttrs,
		TableConvertor: NewTableConvertor(),
	})
	if err != nil {
		return Storage{}, err
	}
	return Storage{
		CloudProfile: registry.NewREST(store, []string{"cprofile", "cpfl"}, nil),
		Status:       registry.NewSubresourceREST(store, NewStatusStrategy(scheme)),
	}, nil
}
