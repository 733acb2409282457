package managedseed

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/seedmanagement"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of ManagedSeeds.
type Storage struct {
	ManagedSeed *registry.REST
	Status      *registry.SubresourceREST
}

// NewStorage returns the endpoints of ManagedSeeds on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	strategy := NewStrategy(scheme)
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &seedmanagement.ManagedSeed{} },
		NewListFunc:               func() runtime.Object { return &seedmanagement.ManagedSeedList{} },
		PredicateFunc:             registry.Matcher(GetAttrs),
		DefaultQualifiedResource:  seedmanagement.Resource("managedseeds"),
		SingularQualifiedResource: seedmanagement.Resource("managedseed"),

		CreateStrategy:      strategy,
		UpdateStrategy:      strategy,
		DeleteStrategy:      strategy,
		ResetFieldsStrategy: strategy,

		TableConvertor: NewTableConvertor(),
	}
	options := &generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}
	if err := store.CompleteWithOptions(options); err != nil {
		return Storage{}, fmt.Errorf("managedseeds: %w", err)
	}
	return Storage{
		ManagedSeed: registry.NewREST(store, []string{"ms"}, nil),
		Status:      registry.NewSubresourceREST(store, NewStatusStrategy(scheme)),
	}, nil
}
