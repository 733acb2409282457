package shootstate

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of ShootStates.
type Storage struct {
	ShootState *registry.REST
}

// NewStorage returns the endpoints of ShootStates on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	strategy := NewStrategy(scheme)
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &core.ShootState{} },
		NewListFunc:               func() runtime.Object { return &core.ShootStateList{} },
		PredicateFunc:             registry.Matcher(GetAttrs),
		DefaultQualifiedResource:  core.Resource("shootstates"),
		SingularQualifiedResource: core.Resource("shootstate"),

		CreateStrategy: strategy,
		UpdateStrategy: strategy,
		DeleteStrategy: strategy,

		TableConvertor: NewTableConvertor(),
	}
	options := &generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}
	if err := store.CompleteWithOptions(options); err != nil {
		return Storage{}, fmt.Errorf("shootstates: %w", err)
	}
	return Storage{
		ShootState: registry.NewREST(store, nil, []string{"all"}),
	}, nil
}
