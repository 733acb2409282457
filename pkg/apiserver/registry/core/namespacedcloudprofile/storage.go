package namespacedcloudprofile

import (
	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of NamespacedCloudProfiles.
type Storage struct {
	NamespacedCloudProfile *registry.REST
	Status                 *registry.SubresourceREST
}

// NewStorage returns the endpoints of NamespacedCloudProfiles on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	store, err := registry.NewStore(optsGetter, registry.StoreConfig{
		Resource:       core.Resource("namespacedcloudprofiles"),
		Singular:       core.Resource("namespacedcloudprofile"),
		New:            func() runtime.Object { return &core.NamespacedCloudProfile{} },
		NewList:        func() runtime.Object { return &core.NamespacedCloudProfileList{} },
		Strategy:       NewStrategy(scheme),
		Attrs:          GetAttrs,
		TableConvertor: NewTableConvertor(),
	})
	if err != nil {
		return Storage{}, err
	}
	return Storage{
		NamespacedCloudProfile: registry.NewREST(store, []string{"nsprofile", "nscpfl"}, nil),
		Status:                 registry.NewSubresourceREST(store, NewStatusStrategy(scheme)),
	}, nil
}
