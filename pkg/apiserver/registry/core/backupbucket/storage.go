package backupbucket

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of BackupBuckets.
type Storage struct {
	BackupBucket *registry.REST
	Status       *registry.SubresourceREST
}

// NewStorage returns the endpoints of BackupBuckets on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	strategy := NewStrategy(scheme)
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &core.BackupBucket{} },
		NewListFunc:               func() runtime.Object { return &core.BackupBucketList{} },
		PredicateFunc:             registry.Matcher(GetAttrs),
		DefaultQualifiedResource:  core.Resource("backupbuckets"),
		SingularQualifiedResource: core.Resource("backupbucket"),

		CreateStrategy:      strategy,
		UpdateStrategy:      strategy,
		DeleteStrategy:      strategy,
		ResetFieldsStrategy: strategy,

		TableConvertor: NewTableConvertor(),
	}
	options := &generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}
	if err := store.CompleteWithOptions(options); err != nil {
		return Storage{}, fmt.Errorf("backupbuckets: %w", err)
	}
	return Storage{
		BackupBucket: registry.NewREST(store, []string{"bbc"}, []string{"all"}),
		Status:       registry.NewSubresourceREST(store, NewStatusStrategy(scheme)),
	}, nil
}
