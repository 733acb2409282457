package registry

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/client-go/tools/cache"
)

// CreateUpdateDeleteStrategy is the strategy of a store's main endpoint.
type CreateUpdateDeleteStrategy interface {
	rest.RESTCreateStrategy
	rest.RESTUpdateStrategy
	rest.RESTDeleteStrategy
}

// StoreConfig describes the generic store of a resource.
type StoreConfig struct {
	// Resource and Singular name the resource, such as core.Resource("seeds") and
	// core.Resource("seed").
	Resource, Singular schema.GroupResource
	// New and NewList return an empty object and list of the internal type.
	New, NewList func() runtime.Object
	// Strategy is the strategy of the main endpoint. When it is also a
	// rest.ResetFieldsStrategy, the store resets its fields.
	Strategy CreateUpdateDeleteStrategy
	// Attrs returns the labels and selectable fields of an object.
	Attrs storage.AttrFunc
	// TableConvertor returns the columns of kubectl get.
	TableConvertor rest.TableConvertor

	// IndexFields, Triggers and Indexers are optional: the fields that the watch cache
	// indexes, see Matcher and generic.StoreOptions.
	IndexFields []string
	Triggers    storage.IndexerFuncs
	Indexers    *cache.Indexers
}

// NewStore returns the completed generic store of the resource that c describes, on the
// storage that optsGetter describes.
func NewStore(optsGetter generic.RESTOptionsGetter, c StoreConfig) (*genericregistry.Store, error) {
	store := &genericregistry.Store{
		NewFunc:                   c.New,
		NewListFunc:               c.NewList,
		PredicateFunc:             Matcher(c.Attrs, c.IndexFields...),
		DefaultQualifiedResource:  c.Resource,
		SingularQualifiedResource: c.Singular,

		CreateStrategy: c.Strategy,
		UpdateStrategy: c.Strategy,
		DeleteStrategy: c.Strategy,

		TableConvertor: c.TableConvertor,
	}
	if reset, ok := c.Strategy.(rest.ResetFieldsStrategy); ok {
		store.ResetFieldsStrategy = reset
	}
	options := &generic.StoreOptions{
		RESTOptions: optsGetter,
		AttrFunc:    c.Attrs,
		TriggerFunc: c.Triggers,
		Indexers:    c.Indexers,
	}
	if err := store.CompleteWithOptions(options); err != nil {
		return nil, fmt.Errorf("%s: %w", c.Resource.Resource, err)
	}
	return store, nil
}

// ConvertFieldLabel returns the field label conversion function of a resource whose
// field selectors accept the given paths.
func ConvertFieldLabel(resource string, fieldLabels []string) runtime.FieldLabelConversionFunc {
	return func(label, value string) (string, string, error) {
		for _, l := range fieldLabels {
			if l == label {
				return label, value, nil
			}
		}
		return "", "", fmt.Errorf("field label not supported for %s: %s", resource, label)
	}
}
