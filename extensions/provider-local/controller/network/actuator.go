package network

import (
	"context"
	"fmt"
	"net/netip"

	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/extensions/pkg/extension"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller"
	"github.com/hortus-dev/hortus/extensions/provider-local/providerstatus"
)

// Note is what the provider status says about the missing CNI.
const Note = "No CNI plugin is deployed: provider-local's machines are simulated nodes that run no pods, so pod networking does not exist."

// Actuator reconciles Networks of type local.
type Actuator struct {
	// Client reaches the seed.
	Client client.Client
}

// Types are the Network types provider-local handles: its own, and calico, which Gardener's
// provider-local example shoots ask for. Simulated nodes run no containers, so there is no
// CNI to deploy for either; both only record the networks.
var Types = []string{controller.Type, "calico"}

// AddToManager registers a Network controller per type in Types with mgr.
func (a *Actuator) AddToManager(mgr manager.Manager, o controller.Options) error {
	for _, typ := range Types {
		if err := extension.Add(mgr, extension.Args[*extensionsv1alpha1.Network]{
			Name:                    controller.ControllerName(extensionsv1alpha1.NetworkResource) + "-" + typ,
			NewObject:               func() *extensionsv1alpha1.Network { return &extensionsv1alpha1.Network{} },
			Type:                    typ,
			Actuator:                a,
			Finalizer:               controller.Finalizer(extensionsv1alpha1.NetworkResource),
			Clock:                   o.Clock,
			MaxConcurrentReconciles: o.MaxConcurrentReconciles,
		}); err != nil {
			return err
		}
	}
	return nil
}

// Reconcile validates the pod and service CIDRs and records them with the IP families.
func (a *Actuator) Reconcile(ctx context.Context, log logr.Logger, n *extensionsv1alpha1.Network, _ *extension.Cluster) error {
	for field, cidr := range map[string]string{"spec.podCIDR": n.Spec.PodCIDR, "spec.serviceCIDR": n.Spec.ServiceCIDR} {
		if _, err := netip.ParsePrefix(cidr); err != nil {
			return reconcile.TerminalError(fmt.Errorf("%s %q is not a CIDR: %w; fix the shoot's spec.networking", field, cidr, err))
		}
	}
	families := n.Spec.IPFamilies
	if len(families) == 0 {
		families = []extensionsv1alpha1.IPFamily{extensionsv1alpha1.IPFamilyIPv4}
	}
	raw, err := providerstatus.Encode(&providerstatus.NetworkStatus{
		PodCIDR:     n.Spec.PodCIDR,
		ServiceCIDR: n.Spec.ServiceCIDR,
		CNI:         "none",
		Note:        Note,
	})
	if err != nil {
		return err
	}
	log.Info("Recording the network", "podCIDR", n.Spec.PodCIDR, "serviceCIDR", n.Spec.ServiceCIDR)
	return controller.PatchStatus(ctx, a.Client, n, func(n *extensionsv1alpha1.Network) {
		n.Status.ProviderStatus = raw
		n.Status.IPFamilies = families
	})
}

// Delete has nothing to remove.
func (a *Actuator) Delete(context.Context, logr.Logger, *extensionsv1alpha1.Network, *extension.Cluster) error {
	return nil
}
