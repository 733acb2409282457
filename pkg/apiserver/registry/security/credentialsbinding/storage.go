package credentialsbinding

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/security"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of CredentialsBindings.
type Storage struct {
	CredentialsBinding *registry.REST
}

// NewStorage returns the endpoints of CredentialsBindings on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	strategy := NewStrategy(scheme)
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &security.CredentialsBinding{} },
		NewListFunc:               func() runtime.Object { return &security.CredentialsBindingList{} },
		PredicateFunc:             registry.Matcher(GetAttrs),
		DefaultQualifiedResource:  security.Resource("credentialsbindings"),
		SingularQualifiedResource: security.Resource("credentialsbinding"),

		CreateStrategy: strategy,
		UpdateStrategy: strategy,
		DeleteStrategy: strategy,

		TableConvertor: NewTableConvertor(),
	}
	options := &generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}
	if err := store.CompleteWithOptions(options); err != nil {
		return Storage{}, fmt.Errorf("credentialsbindings: %w", err)
	}
	return Storage{
		CredentialsBinding: registry.NewREST(store, []string{"cb"}, nil),
	}, nil
}
