package internalsecret

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of InternalSecrets.
type Storage struct {
	InternalSecret *registry.REST
}

// NewStorage returns the endpoints of InternalSecrets on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	strategy := NewStrategy(scheme)
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &core.InternalSecret{} },
		NewListFunc:               func() runtime.Object { return &core.InternalSecretList{} },
		PredicateFunc:             registry.Matcher(GetAttrs),
		DefaultQualifiedResource:  core.Resource("internalsecrets"),
		SingularQualifiedResource: core.Resource("internalsecret"),

		CreateStrategy: strategy,
		UpdateStrategy: strategy,
		DeleteStrategy: strategy,

		TableConvertor: NewTableConvertor(),
	}
	options := &generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}
	if err := store.CompleteWithOptions(options); err != nil {
		return Storage{}, fmt.Errorf("internalsecrets: %w", err)
	}
	return Storage{
		InternalSecret: registry.NewREST(store, []string{"ins"}, nil),
	}, nil
}
