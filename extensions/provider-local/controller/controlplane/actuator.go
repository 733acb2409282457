package controlplane

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/hortus-dev/hortus/extensions/pkg/extension"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller"
	"github.com/hortus-dev/hortus/extensions/provider-local/providerstatus"
	"github.com/hortus-dev/hortus/extensions/provider-local/shootaccess"
)

// Actuator reconciles ControlPlanes of type local.
type Actuator struct {
	// Client reaches the seed.
	Client client.Client
	// ServerVersion asks the shoot's kube-apiserver for its version; nil uses discovery.
	ServerVersion func(ctx context.Context, cfg *rest.Config) (*version.Info, error)
}

// AddToManager registers the ControlPlane controller with mgr.
func (a *Actuator) AddToManager(mgr manager.Manager, o controller.Options) error {
	return extension.Add(mgr, extension.Args[*extensionsv1alpha1.ControlPlane]{
		Name:                    controller.ControllerName(extensionsv1alpha1.ControlPlaneResource),
		NewObject:               func() *extensionsv1alpha1.ControlPlane { return &extensionsv1alpha1.ControlPlane{} },
		Type:                    controller.Type,
		Actuator:                a,
		Finalizer:               controller.Finalizer(extensionsv1alpha1.ControlPlaneResource),
		Clock:                   o.Clock,
		MaxConcurrentReconciles: o.MaxConcurrentReconciles,
	})
}

// Reconcile checks the shoot's kube-apiserver through the Secret gardener and records
// the result. Before the gardenlet wrote that Secret there is nothing to check, and the
// status says so; once it exists, a kube-apiserver that does not answer is an error, so
// the reconcile is retried.
func (a *Actuator) Reconcile(ctx context.Context, log logr.Logger, cp *extensionsv1alpha1.ControlPlane, _ *extension.Cluster) error {
	check := providerstatus.ShootAPIServerCheck{}
	access, err := shootaccess.Get(ctx, a.Client, cp.Namespace)
	switch {
	case errors.Is(err, shootaccess.ErrNotFound):
		check.Message = "Not checked: the seed namespace has no Secret gardener yet."
	case err != nil:
		return err
	default:
		info, err := a.serverVersion(ctx, access.Config)
		if err != nil {
			return fmt.Errorf("the shoot's kube-apiserver at %s does not answer through the Secret gardener: %w; check that it runs", access.Server, err)
		}
		check = providerstatus.ShootAPIServerCheck{
			Checked:    true,
			URL:        access.Server,
			GitVersion: info.GitVersion,
			Message:    "The shoot's kube-apiserver answered /version through the Secret gardener.",
		}
	}
	raw, err := providerstatus.Encode(&providerstatus.ControlPlaneStatus{ShootAPIServer: check})
	if err != nil {
		return err
	}
	log.Info("Recording the shoot API server check", "checked", check.Checked, "url", check.URL)
	return controller.PatchStatus(ctx, a.Client, cp, func(c *extensionsv1alpha1.ControlPlane) {
		c.Status.ProviderStatus = raw
	})
}

// Delete has nothing to remove.
func (a *Actuator) Delete(context.Context, logr.Logger, *extensionsv1alpha1.ControlPlane, *extension.Cluster) error {
	return nil
}

func (a *Actuator) serverVersion(ctx context.Context, cfg *rest.Config) (*version.Info, error) {
	if a.ServerVersion != nil {
		return a.ServerVersion(ctx, cfg)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	body, err := dc.RESTClient().Get().AbsPath("/version").Do(ctx).Raw()
	if err != nil {
		return nil, err
	}
	info := &version.Info{}
	if err := json.Unmarshal(body, info); err != nil {
		return nil, fmt.Errorf("decoding /version: %w", err)
	}
	return info, nil
}
