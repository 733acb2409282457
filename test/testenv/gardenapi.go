package testenv

import (
	"context"
	"fmt"
	"slices"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/component/hortusapiserver"
	"github.com/hortus-dev/hortus/pkg/gardenapi"
)

// The garden API: the Hortus API server behind the kube-apiserver (package gardenapi).
const (
	// GardenAPIUser is the user the Hortus API server authenticates as at the
	// kube-apiserver, for delegated authentication, authorization and admission.
	GardenAPIUser = gardenapi.User
	// GardenAPIServiceNamespace and GardenAPIServiceName name the Service that the
	// APIServices point to.
	GardenAPIServiceNamespace = gardenapi.ServiceNamespace
	GardenAPIServiceName      = gardenapi.ServiceName
)

// GardenAPIServices are the APIServices that StartGardenAPI registers, with their version
// priority.
var GardenAPIServices = gardenapi.APIServices

// StartGardenAPI deploys the Hortus API server (hortus apiserver) next to etcd and the
// kube-apiserver and registers it with the kube-apiserver's aggregation layer. It returns
// once every APIService is Available, so that the admin Config and kubectl reach
// core.gardener.cloud and its siblings through the kube-apiserver. See package gardenapi
// for how the aggregator reaches it.
func (e *Environment) StartGardenAPI(ctx context.Context) error {
	if e.GardenAPIURL != "" {
		return nil
	}
	p, err := e.Ports.Allocate(SetName, hortusapiserver.DefaultName)
	if err != nil {
		return fmt.Errorf("allocating the garden API port: %w", err)
	}
	port := p[hortusapiserver.DefaultName]
	apiserver, err := gardenapi.Component(e.Cluster, e.PKIDir, port)
	if err != nil {
		return err
	}
	if err := gardenapi.GrantRights(ctx, e.Cluster); err != nil {
		return err
	}
	set := component.Set{Name: e.deployed.Name, Components: append(slices.Clone(e.deployed.Components), apiserver)}
	if err := e.Executor.Deploy(ctx, set); err != nil {
		return fmt.Errorf("starting the Hortus API server: %w", err)
	}
	e.deployed = set
	if err := gardenapi.Register(ctx, e.Cluster, port); err != nil {
		return err
	}
	e.GardenAPIURL = hortusapiserver.Config{SecurePort: port}.URL()
	return nil
}
