package localcluster

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"net/url"
	"time"

	"k8s.io/client-go/rest"

	"github.com/hortus-dev/hortus/pkg/component"
	etcdcomponent "github.com/hortus-dev/hortus/pkg/component/etcd"
	"github.com/hortus-dev/hortus/pkg/component/kubeapiserver"
	"github.com/hortus-dev/hortus/pkg/component/kubecontrollermanager"
	"github.com/hortus-dev/hortus/pkg/pki"
	"github.com/hortus-dev/hortus/pkg/ports"
)

const (
	// DefaultServiceClusterIPRange is the Service CIDR when Options.ServiceClusterIPRange
	// is empty.
	DefaultServiceClusterIPRange = "10.0.0.0/24"
	// DefaultCAValidity is the validity of new CAs when Options.CAValidity is zero.
	DefaultCAValidity = 10 * 365 * 24 * time.Hour
	// LeafValidity is the validity of the leaf certificates that Build, UserConfig and
	// PersistentUserConfig issue, cut to that of their CA. Stored ones are renewed after 80%
	// of it (pki.LoadOrIssue), when Build or PersistentUserConfig next runs.
	LeafValidity = pki.DefaultValidity
)

// The files in Options.PKIDir: pairs as pki.WritePair names them (<name>.crt and
// <name>.key), and the service account signing key <serviceAccountKey>.key.
const (
	caName            = "ca"
	clientCAName      = "client-ca"
	frontProxyCAName  = "front-proxy-ca"
	etcdCAName        = "etcd-ca"
	etcdServerName    = "etcd-server"
	etcdClientName    = "etcd-client"
	servingName       = "kube-apiserver"
	proxyClientName   = "front-proxy-client"
	adminName         = "admin"
	serviceAccountKey = "service-account"
)

// Options describe a local cluster for Build.
type Options struct {
	// Name names the component set (e.g. "garden", "testenv", "seed-local-2") and
	// prefixes CA common names ("hortus-<Name>-ca"). Required.
	Name string
	// PKIDir holds the CAs, leaf certificates and service-account key. They are created on
	// first use and reused afterwards, so that Build on the same directory yields identical
	// component descriptions and the process executor adopts running processes instead of
	// restarting them. A leaf certificate is re-issued only when it is missing, not signed
	// by the current CA, past 80% of its lifetime (pki.NeedsRenewal) or issued for other
	// names (see pki.LoadOrIssue). Required.
	PKIDir string
	// Ports allocates the loopback ports; their owner is Name. Required.
	Ports *ports.Allocator
	// ServiceClusterIPRange is the Service CIDR; DefaultServiceClusterIPRange when empty.
	// Its first address, the kubernetes Service's, is in the serving certificate.
	ServiceClusterIPRange string
	// CAValidity is the validity of CAs created by Build; DefaultCAValidity when zero.
	// Leaf certificates are valid for LeafValidity.
	CAValidity time.Duration
	// ExtraArgs are merged into the kube-apiserver's args and win over Build's own.
	ExtraArgs map[string]string
	// ControllerManager adds the real kube-controller-manager to the set, for a cluster
	// that must delete namespaces, collect garbage and mint service-account tokens, as a
	// garden or seed does. Test environments leave it out.
	ControllerManager bool
}

// Cluster describes a local cluster. Build sets every field; none of them changes
// afterwards.
type Cluster struct {
	// Name is Options.Name.
	Name string
	// PKIDir is Options.PKIDir.
	PKIDir string
	// CA signs the kube-apiserver's serving certificate.
	CA *pki.CertKeyPair
	// ClientCA signs the client certificates that the kube-apiserver accepts.
	ClientCA *pki.CertKeyPair
	// FrontProxyCA signs the front-proxy client certificate that aggregated API servers
	// trust (requestheader authentication).
	FrontProxyCA *pki.CertKeyPair
	// EtcdCA signs etcd's certificates; EtcdClient is a client certificate for further
	// API servers that share etcd.
	EtcdCA     *pki.CertKeyPair
	EtcdClient *pki.CertKeyPair
	// EtcdURL is the client URL of etcd.
	EtcdURL string
	// URL is the https://127.0.0.1:<port> of the kube-apiserver.
	URL string
	// Admin is a system:masters client configuration with Host URL. Its certificate is kept
	// in PKIDir, like the components' certificates.
	Admin *rest.Config
	// Set holds etcd and the kube-apiserver; its Name is Options.Name.
	Set component.Set
}

// Build creates or loads the PKI in o.PKIDir, allocates the ports and describes etcd and
// the kube-apiserver. It deploys nothing: pass Set to an executor.
func Build(o Options) (*Cluster, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	serviceRange := cmp.Or(o.ServiceClusterIPRange, DefaultServiceClusterIPRange)
	serviceIP, err := firstAddress(serviceRange)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: service cluster IP range: %w", o.Name, err)
	}
	c := &Cluster{Name: o.Name, PKIDir: o.PKIDir}
	if err := c.loadCAs(cmp.Or(o.CAValidity, DefaultCAValidity)); err != nil {
		return nil, err
	}
	p, err := o.Ports.Allocate(o.Name, "etcd-client", "etcd-peer", "etcd-metrics", "kube-apiserver")
	if err != nil {
		return nil, fmt.Errorf("cluster %s: allocating ports: %w", o.Name, err)
	}

	loopback := net.ParseIP("127.0.0.1")
	etcdServer, err := c.leaf(etcdServerName, c.EtcdCA, pki.CertConfig{CommonName: "etcd", DNSNames: []string{"localhost"}, IPAddresses: []net.IP{loopback}, Server: true, Client: true})
	if err != nil {
		return nil, err
	}
	if c.EtcdClient, err = c.leaf(etcdClientName, c.EtcdCA, pki.CertConfig{CommonName: "etcd-client", Client: true}); err != nil {
		return nil, err
	}
	serving, err := c.leaf(servingName, c.CA, pki.CertConfig{
		CommonName:  "kube-apiserver",
		DNSNames:    []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
		IPAddresses: []net.IP{loopback, serviceIP},
		Server:      true,
	})
	if err != nil {
		return nil, err
	}
	proxyClient, err := c.leaf(proxyClientName, c.FrontProxyCA, pki.CertConfig{CommonName: "front-proxy-client", Client: true})
	if err != nil {
		return nil, err
	}
	saKey, saPub, err := pki.LoadOrCreateServiceAccountKey(c.PKIDir, serviceAccountKey)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", c.Name, err)
	}

	etcdCfg := etcdcomponent.Config{
		ClientPort: p["etcd-client"], PeerPort: p["etcd-peer"], MetricsPort: p["etcd-metrics"],
		CAPEM: c.EtcdCA.CertPEM, ServerCertPEM: etcdServer.CertPEM, ServerKeyPEM: etcdServer.KeyPEM,
	}
	c.EtcdURL = etcdCfg.ClientURL()
	// Aggregated API servers run on loopback here, which EndpointSlices refuse: route
	// APIServices through their Service (an ExternalName Service for the Hortus API server)
	// instead of its endpoints. See package gardenapi.
	args := map[string]string{"enable-aggregator-routing": "false"}
	maps.Copy(args, o.ExtraArgs)
	kasCfg := kubeapiserver.Config{
		DependsOn:                   []string{etcdcomponent.DefaultName},
		SecurePort:                  p["kube-apiserver"],
		EtcdServers:                 []string{c.EtcdURL},
		EtcdCAPEM:                   c.EtcdCA.CertPEM,
		EtcdClientCertPEM:           c.EtcdClient.CertPEM,
		EtcdClientKeyPEM:            c.EtcdClient.KeyPEM,
		CAPEM:                       c.CA.CertPEM,
		ServingCertPEM:              serving.CertPEM,
		ServingKeyPEM:               serving.KeyPEM,
		ClientCAPEM:                 c.ClientCA.CertPEM,
		ServiceAccountPrivateKeyPEM: saKey,
		ServiceAccountPublicKeyPEM:  saPub,
		ServiceAccountIssuer:        "https://kubernetes.default.svc",
		RequestHeaderCAPEM:          c.FrontProxyCA.CertPEM,
		ProxyClientCertPEM:          proxyClient.CertPEM,
		ProxyClientKeyPEM:           proxyClient.KeyPEM,
		ServiceClusterIPRange:       serviceRange,
		ExtraArgs:                   args,
	}
	c.URL = kasCfg.URL()
	if c.Admin, err = c.storedUserConfig(adminName, "hortus-"+c.Name+"-admin", "system:masters"); err != nil {
		return nil, err
	}
	c.Set = component.Set{
		Name:       c.Name,
		Components: []component.Component{etcdcomponent.Build(etcdCfg), kubeapiserver.Build(kasCfg)},
	}
	if o.ControllerManager {
		kcm, err := c.controllerManager(o.Ports, saKey, serviceRange)
		if err != nil {
			return nil, err
		}
		c.Set.Components = append(c.Set.Components, kcm)
	}
	return c, nil
}

// controllerManager describes the cluster's kube-controller-manager, with its own client
// certificate (system:kube-controller-manager, which the kube-apiserver's bootstrap RBAC
// knows) and the service-account key for tokens.
func (c *Cluster) controllerManager(ports *ports.Allocator, saKey []byte, serviceRange string) (component.Component, error) {
	p, err := ports.Allocate(c.Name, kubecontrollermanager.DefaultName)
	if err != nil {
		return component.Component{}, fmt.Errorf("cluster %s: %w", c.Name, err)
	}
	user, err := c.storedUserConfig(kubecontrollermanager.DefaultName, "system:kube-controller-manager")
	if err != nil {
		return component.Component{}, err
	}
	kubeconfig, err := c.Kubeconfig(user, c.Name, "system:kube-controller-manager")
	if err != nil {
		return component.Component{}, err
	}
	return kubecontrollermanager.Build(kubecontrollermanager.Config{
		DependsOn:                   []string{kubeapiserver.DefaultName},
		SecurePort:                  p[kubecontrollermanager.DefaultName],
		Kubeconfig:                  kubeconfig,
		ServiceAccountPrivateKeyPEM: saKey,
		RootCAPEM:                   c.CA.CertPEM,
		ClusterName:                 c.Name,
		ServiceClusterIPRange:       serviceRange,
	}), nil
}

func (o Options) validate() error {
	var errs []error
	if o.Name == "" {
		errs = append(errs, errors.New("name is required"))
	}
	if o.PKIDir == "" {
		errs = append(errs, errors.New("PKI directory is required"))
	}
	if o.Ports == nil {
		errs = append(errs, errors.New("port allocator is required"))
	}
	if o.CAValidity < 0 {
		errs = append(errs, fmt.Errorf("CA validity must not be negative, got %s", o.CAValidity))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("local cluster %q: %w", o.Name, err)
	}
	return nil
}

// loadCAs loads or creates the four CAs.
func (c *Cluster) loadCAs(validity time.Duration) error {
	for _, ca := range []struct {
		dst  **pki.CertKeyPair
		name string
	}{
		{&c.CA, caName}, {&c.ClientCA, clientCAName}, {&c.FrontProxyCA, frontProxyCAName}, {&c.EtcdCA, etcdCAName},
	} {
		var err error
		if *ca.dst, err = pki.LoadOrCreateCA(c.PKIDir, ca.name, "hortus-"+c.Name+"-"+ca.name, validity); err != nil {
			if errors.Is(err, pki.ErrInvalidFile) {
				return fmt.Errorf("cluster %s: %w (to start over with a new PKI, stop the cluster and remove %s; kubeconfigs issued so far stop working)", c.Name, err, c.PKIDir)
			}
			return fmt.Errorf("cluster %s: %w", c.Name, err)
		}
	}
	return nil
}

// leaf loads or issues the leaf certificate stored as name in the PKI directory.
func (c *Cluster) leaf(name string, ca *pki.CertKeyPair, cfg pki.CertConfig) (*pki.CertKeyPair, error) {
	cfg.Validity = LeafValidity
	pair, err := pki.LoadOrIssue(c.PKIDir, name, ca, cfg, time.Now())
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", c.Name, err)
	}
	return pair, nil
}

// UserConfig returns a client configuration for Host URL and a user authenticated by a
// new client certificate with the given name and groups, valid for LeafValidity. It has
// exactly the rights RBAC grants.
func (c *Cluster) UserConfig(user string, groups ...string) (*rest.Config, error) {
	pair, err := c.ClientCA.Issue(userCert(user, groups))
	if err != nil {
		return nil, fmt.Errorf("issuing a client certificate for %s: %w", user, err)
	}
	return c.restConfig(pair), nil
}

// PersistentUserConfig is UserConfig with the client certificate kept in PKIDir (as the
// pair "user-<user>", with the user name path-escaped): it is issued on first use and
// reused afterwards as Options.PKIDir describes, so that kubeconfigs made from it, and
// the component descriptions that hold them, stay the same across Builds. The
// certificate is kept per user name: asking for the same user with other groups
// re-issues it.
func (c *Cluster) PersistentUserConfig(user string, groups ...string) (*rest.Config, error) {
	return c.storedUserConfig("user-"+url.PathEscape(user), user, groups...)
}

// storedUserConfig is UserConfig with the client certificate kept as the pair name in
// PKIDir.
func (c *Cluster) storedUserConfig(name, user string, groups ...string) (*rest.Config, error) {
	pair, err := pki.LoadOrIssue(c.PKIDir, name, c.ClientCA, userCert(user, groups), time.Now())
	if err != nil {
		return nil, fmt.Errorf("cluster %s: client certificate for %s: %w", c.Name, user, err)
	}
	return c.restConfig(pair), nil
}

func userCert(user string, groups []string) pki.CertConfig {
	return pki.CertConfig{CommonName: user, Organization: groups, Client: true, Validity: LeafValidity}
}

func (c *Cluster) restConfig(pair *pki.CertKeyPair) *rest.Config {
	return &rest.Config{
		Host: c.URL,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   c.CA.CertPEM,
			CertData: pair.CertPEM,
			KeyData:  pair.KeyPEM,
		},
		QPS:   1000,
		Burst: 2000,
	}
}

// Kubeconfig renders cfg (as made by UserConfig) as a kubeconfig with one cluster, user
// and context. An empty cfg.Host is the cluster's URL, and empty cfg.CAData its CA.
func (c *Cluster) Kubeconfig(cfg *rest.Config, clusterName, userName string) ([]byte, error) {
	return c.kubeconfig(cfg, clusterName, userName).Bytes()
}

// WriteKubeconfig writes the kubeconfig that Kubeconfig renders to path (mode 0600).
func (c *Cluster) WriteKubeconfig(cfg *rest.Config, clusterName, userName, path string) error {
	return c.kubeconfig(cfg, clusterName, userName).WriteFile(path)
}

func (c *Cluster) kubeconfig(cfg *rest.Config, clusterName, userName string) pki.Kubeconfig {
	ca := cfg.CAData
	if len(ca) == 0 {
		ca = c.CA.CertPEM
	}
	return pki.Kubeconfig{
		ClusterName:   clusterName,
		Server:        cmp.Or(cfg.Host, c.URL),
		CAPEM:         ca,
		UserName:      userName,
		ClientCertPEM: cfg.CertData,
		ClientKeyPEM:  cfg.KeyData,
		Token:         cfg.BearerToken,
	}
}

// firstAddress returns the first address of a CIDR, which the kubernetes Service gets.
func firstAddress(cidr string) (net.IP, error) {
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, err
	}
	first := prefix.Masked().Addr().Next()
	if !prefix.Contains(first) {
		return nil, fmt.Errorf("%s has no address for the kubernetes Service", cidr)
	}
	return net.IP(first.AsSlice()), nil
}
