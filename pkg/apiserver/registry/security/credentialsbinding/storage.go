package credentialsbinding

import (
	"github.com/gardener/gardener/pkg/apis/security"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of CredentialsBindings.
type Storage struct {
	CredentialsBinding *registry.REST
}

// NewStorage returns the endpoints of CredentialsBindings on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	store, err := registry.NewStore(optsGetter, registry.StoreConfig{
		Resource:       security.Resource("credentialsbindings"),
		Singular:       security.Resource("credentialsbinding"),
		New:            func() runtime.Object { return &security.CredentialsBinding{} },
		NewList:        func() runtime.Object { return &security.CredentialsBindingList{} },
		Strategy:       NewStrategy(scheme),
		Attrs:          GetAttrs,
		TableConvertor: NewTableConvertor(),
	})
	if err != nil {
		return Storage{}, err
	}
	return Storage{
		CredentialsBinding: registry.NewREST(store, []string{"cb"}, nil),
	}, nil
}
