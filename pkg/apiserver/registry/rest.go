package registry

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// REST is the main endpoint of a resource: a generic store plus the short names and
// categories that kubectl reads from discovery.
type REST struct {
	*genericregistry.Store
	shortNames []string
	categories []string
}

var (
	_ rest.ShortNamesProvider = &REST{}
	_ rest.CategoriesProvider = &REST{}
)

// NewREST wraps store with the given short names and categories.
func NewREST(store *genericregistry.Store, shortNames, categories []string) *REST {
	return &REST{Store: store, shortNames: shortNames, categories: categories}
}

// ShortNames implements rest.ShortNamesProvider.
func (r *REST) ShortNames() []string { return r.shortNames }

// Categories implements rest.CategoriesProvider.
func (r *REST) Categories() []string { return r.categories }

// SubresourceREST serves a subresource such as /status or /binding: Get and Update on a
// copy of the main store with its own update strategy. It shares the main store's
// storage, so it must not destroy it.
type SubresourceREST struct {
	store *genericregistry.Store
}

var (
	_ rest.Storage             = &SubresourceREST{}
	_ rest.Getter              = &SubresourceREST{}
	_ rest.Updater             = &SubresourceREST{}
	_ rest.Patcher             = &SubresourceREST{}
	_ rest.TableConvertor      = &SubresourceREST{}
	_ rest.ResetFieldsStrategy = &SubresourceREST{}
)

// UpdateResetFieldsStrategy is an update strategy that also names the fields it resets,
// for server-side apply.
type UpdateResetFieldsStrategy interface {
	rest.RESTUpdateStrategy
	rest.ResetFieldsStrategy
}

// NewSubresourceREST returns a subresource endpoint that updates objects of store with
// strategy. The main store is copied, not changed.
func NewSubresourceREST(store *genericregistry.Store, strategy UpdateResetFieldsStrategy) *SubresourceREST {
	s := *store
	s.UpdateStrategy = strategy
	s.ResetFieldsStrategy = strategy
	return &SubresourceREST{store: &s}
}

// New implements rest.Storage.
func (r *SubresourceREST) New() runtime.Object { return r.store.New() }

// Destroy implements rest.Storage. The storage is shared with the main endpoint, which
// destroys it.
func (r *SubresourceREST) Destroy() {}

// Get implements rest.Getter; Patch needs it.
func (r *SubresourceREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	return r.store.Get(ctx, name, options)
}

// Update implements rest.Updater. A subresource never creates its object.
func (r *SubresourceREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, _ bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	return r.store.Update(ctx, name, objInfo, createValidation, updateValidation, false, options)
}

// GetResetFields implements rest.ResetFieldsStrategy.
func (r *SubresourceREST) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return r.store.GetResetFields()
}

// ConvertToTable implements rest.TableConvertor.
func (r *SubresourceREST) ConvertToTable(ctx context.Context, object, tableOptions runtime.Object) (*metav1.Table, error) {
	return r.store.ConvertToTable(ctx, object, tableOptions)
}
