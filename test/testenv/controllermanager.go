package testenv

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/component/kubeapiserver"
	"github.com/hortus-dev/hortus/pkg/component/kubecontrollermanager"
	"github.com/hortus-dev/hortus/pkg/pki"
)

// ControllerManagerUser is the user the kube-controller-manager authenticates as; the
// kube-apiserver's bootstrap RBAC policy grants it what its controllers need.
const ControllerManagerUser = "system:kube-controller-manager"

// serviceAccountKeyName is the name under which package localcluster keeps the
// service-account signing key in the PKI directory.
const serviceAccountKeyName = "service-account"

// ControllerManagerOptions configure the real kube-controller-manager that Start runs
// against the test kube-apiserver when Options.ControllerManager is set. It signs service
// account tokens with the kube-apiserver's key and publishes its CA (kube-root-ca.crt).
type ControllerManagerOptions struct {
	// Controllers to run, e.g. {"namespace-controller"};
	// kubecontrollermanager.DefaultControllers when empty.
	Controllers []string
	// ClusterSigning lets the CSR signing controller sign approved
	// CertificateSigningRequests with the environment's client CA (Cluster.ClientCA), so
	// that the certificates it issues, kubelet client certificates among them,
	// authenticate at the kube-apiserver.
	ClusterSigning bool
	// ClusterCIDR is the CIDR of Pods, e.g. 10.1.0.0/16. When set, the node IPAM
	// controller (when it runs) gives each Node a Pod range out of it.
	ClusterCIDR string
}

// validate checks the options, naming the field of Options that is wrong.
func (o ControllerManagerOptions) validate() error {
	var errs []error
	for i, c := range o.Controllers {
		if c == "" {
			errs = append(errs, fmt.Errorf("ControllerManager.Controllers[%d]: must not be empty; name a controller such as %q, or leave the list empty for the defaults", i, "namespace-controller"))
		}
	}
	if o.ClusterCIDR != "" {
		if _, err := netip.ParsePrefix(o.ClusterCIDR); err != nil {
			errs = append(errs, fmt.Errorf("ControllerManager.ClusterCIDR: %q is not a CIDR (%w); use a range such as 10.1.0.0/16 outside ServiceClusterIPRange %s", o.ClusterCIDR, err, ServiceClusterIPRange))
		}
	}
	return errors.Join(errs...)
}

// startControllerManager adds the kube-controller-manager to the environment's set and
// waits until it is ready.
func (e *Environment) startControllerManager(ctx context.Context, o ControllerManagerOptions) error {
	// Read the key instead of LoadOrCreate'ing it: a wrong name must fail here, not yield
	// a key that the kube-apiserver does not trust.
	saKey, err := os.ReadFile(pki.KeyPath(e.PKIDir, serviceAccountKeyName))
	if err != nil {
		return fmt.Errorf("reading the service-account key of the kube-controller-manager: %w", err)
	}
	p, err := e.Ports.Allocate(SetName, kubecontrollermanager.DefaultName)
	if err != nil {
		return fmt.Errorf("allocating the kube-controller-manager's port: %w", err)
	}
	user, err := e.PersistentUserConfig(ControllerManagerUser)
	if err != nil {
		return err
	}
	kubeconfig, err := e.Kubeconfig(user, SetName, ControllerManagerUser)
	if err != nil {
		return fmt.Errorf("the kube-controller-manager's kubeconfig: %w", err)
	}
	cfg := kubecontrollermanager.Config{
		DependsOn:                   []string{kubeapiserver.DefaultName},
		SecurePort:                  p[kubecontrollermanager.DefaultName],
		Kubeconfig:                  kubeconfig,
		ServiceAccountPrivateKeyPEM: saKey,
		RootCAPEM:                   e.CA.CertPEM,
		ClusterName:                 SetName,
		ServiceClusterIPRange:       ServiceClusterIPRange,
		ClusterCIDR:                 o.ClusterCIDR,
		AllocateNodeCIDRs:           o.ClusterCIDR != "",
		Controllers:                 o.Controllers,
	}
	if o.ClusterSigning {
		cfg.ClusterSigningCertPEM, cfg.ClusterSigningKeyPEM = e.ClientCA.CertPEM, e.ClientCA.KeyPEM
	}
	set := component.Set{Name: e.deployed.Name, Components: append(slices.Clone(e.deployed.Components), kubecontrollermanager.Build(cfg))}
	if err := e.Executor.Deploy(ctx, set); err != nil {
		return fmt.Errorf("starting the kube-controller-manager: %w", err)
	}
	e.deployed = set
	e.ControllerManagerURL = cfg.URL()
	return nil
}
