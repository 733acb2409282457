package backupentry

import (
	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of BackupEntries.
type Storage struct {
	BackupEntry *registry.REST
	Status      *registry.SubresourceREST
}

// NewStorage returns the endpoints of BackupEntries on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	store, err := registry.NewStore(optsGetter, registry.StoreConfig{
		Resource:       core.Resource("backupentries"),
		Singular:       core.Resource("backupentry"),
		New:            func() runtime.Object { return &core.BackupEntry{} },
		NewList:        func() runtime.Object { return &core.BackupEntryList{} },
		Strategy:       NewStrategy(scheme),
		Attrs:          GetAttrs,
		TableConvertor: NewTableConvertor(),
	})
	if err != nil {
		return Storage{}, err
	}
	return Storage{
		BackupEntry: registry.NewREST(store, []string{"bec"}, []string{"all"}),
		Status:      registry.NewSubresourceREST(store, NewStatusStrategy(scheme)),
	}, nil
}
