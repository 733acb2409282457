package namespacedcloudprofile

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of NamespacedCloudProfiles.
type Storage struct {
	NamespacedCloudProfile *registry.REST
	Status                 *registry.SubresourceREST
}

// NewStorage returns the endpoints of NamespacedCloudProfiles on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	strategy := NewStrategy(scheme)
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &core.NamespacedCloudProfile{} },
		NewListFunc:               func() runtime.Object { return &core.NamespacedCloudProfileList{} },
		PredicateFunc:             registry.Matcher(GetAttrs),
		DefaultQualifiedResource:  core.Resource("namespacedcloudprofiles"),
		SingularQualifiedResource: core.Resource("namespacedcloudprofile"),

		CreateStrategy:      strategy,
		UpdateStrategy:      strategy,
		DeleteStrategy:      strategy,
		ResetFieldsStrategy: strategy,

		TableConvertor: NewTableConvertor(),
	}
	options := &generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}
	if err := store.CompleteWithOptions(options); err != nil {
		return Storage{}, fmt.Errorf("namespacedcloudprofiles: %w", err)
	}
	return Storage{
		NamespacedCloudProfile: registry.NewREST(store, []string{"nsprofile", "nscpfl"}, nil),
		Status:                 registry.NewSubresourceREST(store, NewStatusStrategy(scheme)),
	}, nil
}
