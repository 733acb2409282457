package shoot

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/storage"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of Shoots.
type Storage struct {
	Shoot   *registry.REST
	Status  *registry.SubresourceREST
	Binding *registry.SubresourceREST
}

// NewStorage returns the endpoints of Shoots on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	strategy := NewStrategy(scheme)
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &core.Shoot{} },
		NewListFunc:               func() runtime.Object { return &core.ShootList{} },
		PredicateFunc:             registry.Matcher(GetAttrs, FieldSeedName),
		DefaultQualifiedResource:  core.Resource("shoots"),
		SingularQualifiedResource: core.Resource("shoot"),

		CreateStrategy:      strategy,
		UpdateStrategy:      strategy,
		DeleteStrategy:      strategy,
		ResetFieldsStrategy: strategy,

		TableConvertor: NewTableConvertor(),
	}
	options := &generic.StoreOptions{
		RESTOptions: optsGetter,
		AttrFunc:    GetAttrs,
		TriggerFunc: storage.IndexerFuncs{FieldSeedName: SeedNameTriggerFunc},
		Indexers:    Indexers(),
	}
	if err := store.CompleteWithOptions(options); err != nil {
		return Storage{}, fmt.Errorf("shoots: %w", err)
	}
	return Storage{
		Shoot:   registry.NewREST(store, nil, []string{"all"}),
		Status:  registry.NewSubresourceREST(store, NewStatusStrategy(scheme)),
		Binding: registry.NewSubresourceREST(store, NewBindingStrategy(scheme)),
	}, nil
}
