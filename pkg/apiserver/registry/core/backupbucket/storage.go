package backupbucket

import (
	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of BackupBuckets.
type Storage struct {
	BackupBucket *registry.REST
	Status       *registry.SubresourceREST
}

// NewStorage returns the endpoints of BackupBuckets on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	store, err := registry.NewStore(optsGetter, registry.StoreConfig{
		Resource:       core.Resource("backupbuckets"),
		Singular:       core.Resource("backupbucket"),
		New:            func() runtime.Object { return &core.BackupBucket{} },
		NewList:        func() runtime.Object { return &core.BackupBucketList{} },
		Strategy:       NewStrategy(scheme),
		Attrs:          GetAttrs,
		TableConvertor: NewTableConvertor(),
	})
	if err != nil {
		return Storage{}, err
	}
	return Storage{
		BackupBucket: registry.NewREST(store, []string{"bbc"}, []string{"all"}),
		Status:       registry.NewSubresourceREST(store, NewStatusStrategy(scheme)),
	}, nil
}
