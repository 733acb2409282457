package cloudprofile

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of CloudProfiles.
type Storage struct {
	CloudProfile *registry.REST
	Status       *registry.SubresourceREST
}

// NewStorage returns the endpoints of CloudProfiles on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	strategy := NewStrategy(scheme)
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &core.CloudProfile{} },
		NewListFunc:               func() runtime.Object { return &core.CloudProfileList{} },
		PredicateFunc:             registry.Matcher(GetAttrs),
		DefaultQualifiedResource:  core.Resource("cloudprofiles"),
		SingularQualifiedResource: core.Resource("cloudprofile"),

		CreateStrategy:      strategy,
		UpdateStrategy:      strategy,
		DeleteStrategy:      strategy,
		ResetFieldsStrategy: strategy,

		TableConvertor: NewTableConvertor(),
	}
	options := &generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}
	if err := store.CompleteWithOptions(options); err != nil {
		return Storage{}, fmt.Errorf("cloudprofiles: %w", err)
	}
	return Storage{
		CloudProfile: registry.NewREST(store, []string{"cprofile", "cpfl"}, nil),
		Status:       registry.NewSubresourceREST(store, NewStatusStrategy(scheme)),
	}, nil
}
