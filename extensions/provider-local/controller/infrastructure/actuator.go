package infrastructure

import (
	"context"

	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/hortus-dev/hortus/extensions/pkg/extension"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller"
	"github.com/hortus-dev/hortus/extensions/provider-local/providerstatus"
)

// DefaultNodesCIDR is the node network of a shoot whose spec.networking.nodes is empty.
const DefaultNodesCIDR = "10.250.0.0/16"

// Actuator reconciles Infrastructures of type local.
type Actuator struct {
	// Client reaches the seed.
	Client client.Client
}

// AddToManager registers the Infrastructure controller with mgr.
func (a *Actuator) AddToManager(mgr manager.Manager, o controller.Options) error {
	return extension.Add(mgr, extension.Args[*extensionsv1alpha1.Infrastructure]{
		Name:                    controller.ControllerName(extensionsv1alpha1.InfrastructureResource),
		NewObject:               func() *extensionsv1alpha1.Infrastructure { return &extensionsv1alpha1.Infrastructure{} },
		Type:                    controller.Type,
		Actuator:                a,
		Finalizer:               controller.Finalizer(extensionsv1alpha1.InfrastructureResource),
		Clock:                   o.Clock,
		MaxConcurrentReconciles: o.MaxConcurrentReconciles,
	})
}

// Reconcile records the node network in status.nodesCIDR, status.networking and the
// provider status.
func (a *Actuator) Reconcile(ctx context.Context, log logr.Logger, infra *extensionsv1alpha1.Infrastructure, cluster *extension.Cluster) error {
	nodes, defaulted := DefaultNodesCIDR, true
	networking := &extensionsv1alpha1.InfrastructureStatusNetworking{}
	if cluster != nil && cluster.Shoot != nil && cluster.Shoot.Spec.Networking != nil {
		n := cluster.Shoot.Spec.Networking
		if v := ptr.Deref(n.Nodes, ""); v != "" {
			nodes, defaulted = v, false
		}
		if v := ptr.Deref(n.Pods, ""); v != "" {
			networking.Pods = []string{v}
		}
		if v := ptr.Deref(n.Services, ""); v != "" {
			networking.Services = []string{v}
		}
	}
	networking.Nodes = []string{nodes}
	raw, err := providerstatus.Encode(&providerstatus.InfrastructureStatus{
		NodesCIDR:          nodes,
		NodesCIDRDefaulted: defaulted,
		Note:               "provider-local creates no network: its machines are simulated nodes on the seed's host",
	})
	if err != nil {
		return err
	}
	log.Info("Recording the node network", "nodesCIDR", nodes, "defaulted", defaulted)
	return controller.PatchStatus(ctx, a.Client, infra, func(i *extensionsv1alpha1.Infrastructure) {
		i.Status.ProviderStatus = raw
		i.Status.NodesCIDR = ptr.To(nodes)
		i.Status.Networking = networking
	})
}

// Delete has nothing to remove.
func (a *Actuator) Delete(context.Context, logr.Logger, *extensionsv1alpha1.Infrastructure, *extension.Cluster) error {
	return nil
}
