package controllerdeployment

import (
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry"
)

// Storage holds the endpoints of ControllerDeployments.
type Storage struct {
	ControllerDeployment *registry.REST
}

// NewStorage returns the endpoints of ControllerDeployments on the storage that optsGetter describes.
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (Storage, error) {
	strategy := NewStrategy(scheme)
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &core.ControllerDeployment{} },
		NewListFunc:               func() runtime.Object { return &core.ControllerDeploymentList{} },
		PredicateFunc:             registry.Matcher(GetAttrs),
		DefaultQualifiedResource:  core.Resource("controllerdeployments"),
		SingularQualifiedResource: core.Resource("controllerdeployment"),

		CreateStrategy: strategy,
		UpdateStrategy: strategy,
		DeleteStrategy: strategy,

		TableConvertor: NewTableConvertor(),
	}
	options := &generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: GetAttrs}
	if err := store.CompleteWithOptions(options); err != nil {
		return Storage{}, fmt.Errorf("controllerdeployments: %w", err)
	}
	return Storage{
		ControllerDeployment: registry.NewREST(store, []string{"ctrldeploy"}, []string{"all"}),
	}, nil
}
