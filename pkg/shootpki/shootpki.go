package shootpki

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/pki"
)

const (
	// CAValidity is the validity of the CAs that Ensure creates. Ensure never renews a CA.
	CAValidity = 10 * 365 * 24 * time.Hour
	// LeafValidity is the validity of the certificates that Ensure issues, cut to that of
	// their CA. Ensure renews them once they have less than pki.RenewalFraction of it left.
	LeafValidity = pki.DefaultValidity
	// DefaultClusterDomain is the cluster domain when Config.ClusterDomain is empty.
	DefaultClusterDomain = "cluster.local"
)

// Names of the Secrets that Ensure manages in Config.Namespace. SecretNames lists them.
const (
	// The CAs. Each Secret holds DataKeyCACert and DataKeyCAKey.
	SecretCA           = "ca"
	SecretCAClient     = "ca-client"
	SecretCAEtcd       = "ca-etcd"
	SecretCAFrontProxy = "ca-front-proxy"
	SecretCAKubelet    = "ca-kubelet"

	// The certificates. Each Secret holds DataKeyCert, DataKeyKey and, as DataKeyCACert,
	// the certificate of the CA that signed it.
	SecretEtcdServer            = "etcd-server"
	SecretEtcdClient            = "etcd-client"
	SecretKubeAPIServer         = "kube-apiserver"
	SecretFrontProxyClient      = "kube-apiserver-front-proxy-client"
	SecretKubeletClient         = "kube-apiserver-kubelet-client"
	SecretKubeControllerManager = "kube-controller-manager"
	SecretKubeScheduler         = "kube-scheduler"
	SecretGardenlet             = "gardenlet"

	// SecretServiceAccountKey holds DataKeyServiceAccountKey and DataKeyServiceAccountPub.
	SecretServiceAccountKey = "service-account-key"
	// SecretEtcdEncryptionKey holds DataKeyEncryptionConfig.
	SecretEtcdEncryptionKey = "etcd-encryption-key"
)

// Keys in the Secrets' data.
const (
	// DataKeyCACert is a CA's PEM certificate: in a CA's Secret, and in a certificate's
	// Secret for the CA that signed it.
	DataKeyCACert = "ca.crt"
	// DataKeyCAKey is a CA's PEM private key.
	DataKeyCAKey = "ca.key"
	// DataKeyCert and DataKeyKey are a certificate and its private key, in PEM.
	DataKeyCert = "tls.crt"
	DataKeyKey  = "tls.key"
	// DataKeyServiceAccountKey is the PKCS#8 PEM key that signs service account tokens
	// (--service-account-signing-key-file).
	DataKeyServiceAccountKey = "key"
	// DataKeyServiceAccountPub is its PKIX PEM public key (--service-account-key-file).
	DataKeyServiceAccountPub = "pub"
	// DataKeyEncryptionConfig is the kube-apiserver's --encryption-provider-config.
	DataKeyEncryptionConfig = "encryption-config.yaml"
)

// Labels on every Secret that Ensure writes. Ensure adds them to Secrets it finds without
// them and leaves other labels alone.
const (
	// LabelManagedBy has the value ManagedBy.
	LabelManagedBy = "managed-by"
	ManagedBy      = "hortus-gardenlet"
	// LabelShootPKI has the Secret's name as value, so that the selector
	// "hortus.dev/shoot-pki" finds all of them and "hortus.dev/shoot-pki=ca" one.
	LabelShootPKI = "hortus.dev/shoot-pki"
)

// ErrInvalidSecret is wrapped by Ensure's error when a Secret holds a CA, the service
// account key or the encryption configuration that cannot be used: data that does not
// parse, a key that does not belong to its certificate, a certificate that is not a CA,
// or missing keys. Ensure never replaces these, because a new one would invalidate what
// depends on the old: certificates and kubeconfigs, service account tokens, data
// encrypted in etcd. The error names the Secret; retrying does not help until it is fixed
// or deleted.
var ErrInvalidSecret = errors.New("invalid PKI Secret")

// Config describes the PKI of one shoot's control plane.
type Config struct {
	// Namespace in the seed that holds the Secrets, the shoot's technical ID, e.g.
	// "shoot--local--dev". It also goes into the CAs' common names. Required.
	Namespace string
	// ServiceCIDR is the shoot's Service network, e.g. "10.0.0.0/24", or two of them
	// separated by a comma (dual stack). The first address of each, the kubernetes
	// Service's, is in the kube-apiserver's certificate. Required.
	ServiceCIDR string
	// ClusterDomain is the shoot's cluster domain; DefaultClusterDomain when empty.
	ClusterDomain string
	// APIServerDNSNames and APIServerIPs are added to the kube-apiserver's serving
	// certificate, which always holds localhost, kubernetes, kubernetes.default,
	// kubernetes.default.svc, kubernetes.default.svc.<ClusterDomain>, 127.0.0.1 and the
	// kubernetes Service's addresses.
	APIServerDNSNames []string
	APIServerIPs      []net.IP
	// EtcdDNSNames and EtcdIPs are added to etcd's certificate, which always holds
	// localhost and 127.0.0.1.
	EtcdDNSNames []string
	EtcdIPs      []net.IP
	// Clock tells the time against which stored certificates are checked for renewal;
	// the real clock when nil. New certificates are valid from the real time, which
	// package pki reads itself.
	Clock clock.PassiveClock
}

// PKI is the PKI of one shoot's control plane, as Ensure returns it. Every field is set.
type PKI struct {
	// ClusterCA signs the kube-apiserver's serving certificate; clients trust it.
	ClusterCA *pki.CertKeyPair
	// ClientCA signs the client certificates that the kube-apiserver accepts
	// (--client-ca-file); it is also the CA for the kube-controller-manager's signer of
	// kubelet client certificates.
	ClientCA *pki.CertKeyPair
	// EtcdCA signs etcd's server and client certificates.
	EtcdCA *pki.CertKeyPair
	// FrontProxyCA signs FrontProxyClient (--requestheader-client-ca-file).
	FrontProxyCA *pki.CertKeyPair
	// KubeletCA is what kubelets trust for client certificates
	// (authentication.x509.clientCAFile) and signs KubeletClient, as in Gardener.
	KubeletCA *pki.CertKeyPair

	// EtcdServer is etcd's certificate for serving and for its peers (server and client
	// usage), for localhost, 127.0.0.1 and Config.EtcdDNSNames/EtcdIPs. EtcdCA.
	EtcdServer *pki.CertKeyPair
	// EtcdClient is the kube-apiserver's client certificate for etcd, CN etcd-client.
	// EtcdCA.
	EtcdClient *pki.CertKeyPair
	// APIServer is the kube-apiserver's serving certificate, CN kube-apiserver; see
	// Config.APIServerDNSNames for its names. ClusterCA.
	APIServer *pki.CertKeyPair
	// FrontProxyClient is the kube-apiserver's client certificate towards aggregated API
	// servers (--proxy-client-cert-file), CN front-proxy-client. FrontProxyCA.
	FrontProxyClient *pki.CertKeyPair
	// KubeletClient is the kube-apiserver's client certificate towards kubelets
	// (--kubelet-client-certificate), CN kube-apiserver-kubelet-client, O system:masters
	// so that kubelets' webhook authorization allows it without RBAC in the shoot.
	// KubeletCA, not ClientCA: it must not be an admin credential for the
	// kube-apiserver itself.
	KubeletClient *pki.CertKeyPair
	// ControllerManager is the client certificate of the kube-controller-manager, CN
	// system:kube-controller-manager. ClientCA.
	ControllerManager *pki.CertKeyPair
	// Scheduler is the client certificate of the kube-scheduler, CN
	// system:kube-scheduler. ClientCA.
	Scheduler *pki.CertKeyPair
	// Gardenlet is the gardenlet's own admin client certificate in the shoot, for health
	// checks and bootstrapping: CN hortus:gardenlet, O system:masters. ClientCA.
	Gardenlet *pki.CertKeyPair

	// ServiceAccountKey (PKCS#8 PEM) signs service account tokens; ServiceAccountPub
	// (PKIX PEM) is its public key, which verifies them.
	ServiceAccountKey, ServiceAccountPub []byte
	// EncryptionConfig is the kube-apiserver's apiserver.config.k8s.io/v1
	// EncryptionConfiguration: secrets are encrypted with aescbc and a random 32-byte key,
	// with identity last so that unencrypted data stays readable.
	EncryptionConfig []byte
}

// caSpec is a CA that Ensure keeps, and the PKI field it goes to.
type caSpec struct {
	name  string
	field func(*PKI) **pki.CertKeyPair
}

var caSpecs = []caSpec{
	{SecretCA, func(p *PKI) **pki.CertKeyPair { return &p.ClusterCA }},
	{SecretCAClient, func(p *PKI) **pki.CertKeyPair { return &p.ClientCA }},
	{SecretCAEtcd, func(p *PKI) **pki.CertKeyPair { return &p.EtcdCA }},
	{SecretCAFrontProxy, func(p *PKI) **pki.CertKeyPair { return &p.FrontProxyCA }},
	{SecretCAKubelet, func(p *PKI) **pki.CertKeyPair { return &p.KubeletCA }},
}

// leafSpec is a certificate that Ensure keeps, the Secret name of its CA, and the PKI
// field it goes to.
type leafSpec struct {
	name  string
	ca    string
	cert  pki.CertConfig
	field func(*PKI) **pki.CertKeyPair
}

// leafSpecs returns the certificates for cfg, which must have been completed.
func leafSpecs(cfg Config, serviceIPs []net.IP) []leafSpec {
	loopback := net.IPv4(127, 0, 0, 1)
	apiServerDNS := append([]string{
		"localhost",
		"kubernetes",
		"kubernetes.default",
		"kubernetes.default.svc",
		"kubernetes.default.svc." + cfg.ClusterDomain,
	}, cfg.APIServerDNSNames...)
	apiServerIPs := append(append([]net.IP{loopback}, serviceIPs...), cfg.APIServerIPs...)
	client := func(cn string, orgs ...string) pki.CertConfig {
		return pki.CertConfig{CommonName: cn, Organization: orgs, Client: true, Validity: LeafValidity}
	}
	return []leafSpec{
		{SecretEtcdServer, SecretCAEtcd, pki.CertConfig{
			CommonName:  "etcd-server",
			DNSNames:    uniqueStrings(append([]string{"localhost"}, cfg.EtcdDNSNames...)),
			IPAddresses: uniqueIPs(append([]net.IP{loopback}, cfg.EtcdIPs...)),
			Server:      true,
			Client:      true,
			Validity:    LeafValidity,
		}, func(p *PKI) **pki.CertKeyPair { return &p.EtcdServer }},
		{SecretEtcdClient, SecretCAEtcd, client("etcd-client"),
			func(p *PKI) **pki.CertKeyPair { return &p.EtcdClient }},
		{SecretKubeAPIServer, SecretCA, pki.CertConfig{
			CommonName:  "kube-apiserver",
			DNSNames:    uniqueStrings(apiServerDNS),
			IPAddresses: uniqueIPs(apiServerIPs),
			Server:      true,
			Validity:    LeafValidity,
		}, func(p *PKI) **pki.CertKeyPair { return &p.APIServer }},
		{SecretFrontProxyClient, SecretCAFrontProxy, client("front-proxy-client"),
			func(p *PKI) **pki.CertKeyPair { return &p.FrontProxyClient }},
		{SecretKubeletClient, SecretCAKubelet, client("kube-apiserver-kubelet-client", "system:masters"),
			func(p *PKI) **pki.CertKeyPair { return &p.KubeletClient }},
		{SecretKubeControllerManager, SecretCAClient, client("system:kube-controller-manager"),
			func(p *PKI) **pki.CertKeyPair { return &p.ControllerManager }},
		{SecretKubeScheduler, SecretCAClient, client("system:kube-scheduler"),
			func(p *PKI) **pki.CertKeyPair { return &p.Scheduler }},
		{SecretGardenlet, SecretCAClient, client("hortus:gardenlet", "system:masters"),
			func(p *PKI) **pki.CertKeyPair { return &p.Gardenlet }},
	}
}

// SecretNames returns the names of the Secrets that Ensure manages, CAs first.
func SecretNames() []string {
	names := make([]string, 0, len(caSpecs)+10)
	for _, ca := range caSpecs {
		names = append(names, ca.name)
	}
	for _, l := range leafSpecs(Config{}, nil) {
		names = append(names, l.name)
	}
	return append(names, SecretServiceAccountKey, SecretEtcdEncryptionKey)
}

// Ensure loads the PKI from the Secrets in cfg.Namespace (see SecretNames), creating what
// is missing, and returns it:
//
//   - A CA is created once (valid for CAValidity) and kept as it is from then on. A CA
//     Secret that cannot be used is an error wrapping ErrInvalidSecret that names it; so
//     are an unusable service account key or encryption configuration.
//   - A certificate is issued again (valid for LeafValidity) when its Secret is missing or
//     does not parse, when it was not signed by its current CA, when its subject, names or
//     usages differ from what cfg asks for, or when it has less than pki.RenewalFraction
//     of its lifetime left at cfg.Clock's time. Otherwise the stored one is kept.
//
// An expired CA is kept as well, and issuing from it fails: Ensure does not rotate CAs.
//
// So a second call with the same cfg writes nothing. Secrets are created with Create: when
// another writer, such as a second gardenlet, created one first, Ensure reads it again and
// uses the stored content, so that racing callers converge on one CA. Updates carry the
// resourceVersion that was read and are retried the same way on conflicts.
//
// c should read from the API server rather than from a cache that may lag behind
// Ensure's own writes: with a stale cache Ensure may fail after a few attempts, and the
// next call succeeds.
func Ensure(ctx context.Context, c client.Client, cfg Config) (*PKI, error) {
	cfg, serviceIPs, err := cfg.complete()
	if err != nil {
		return nil, err
	}
	e := &ensurer{c: c, namespace: cfg.Namespace, now: cfg.Clock.Now()}
	p := &PKI{}

	cas := make(map[string]*pki.CertKeyPair, len(caSpecs))
	for _, spec := range caSpecs {
		ca, err := e.ensureCA(ctx, spec.name, cfg.Namespace+":"+spec.name)
		if err != nil {
			return nil, err
		}
		cas[spec.name] = ca
		*spec.field(p) = ca
	}
	for _, spec := range leafSpecs(cfg, serviceIPs) {
		leaf, err := e.ensureLeaf(ctx, spec.name, cas[spec.ca], spec.cert)
		if err != nil {
			return nil, err
		}
		*spec.field(p) = leaf
	}
	if p.ServiceAccountKey, p.ServiceAccountPub, err = e.ensureServiceAccountKey(ctx); err != nil {
		return nil, err
	}
	if p.EncryptionConfig, err = e.ensureEncryptionConfig(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// Kubeconfig renders a kubeconfig for server (the kube-apiserver's URL) that trusts
// ClusterCA and authenticates with pair, one of p's client certificates.
func (p *PKI) Kubeconfig(server string, pair *pki.CertKeyPair, clusterName, userName string) ([]byte, error) {
	if p == nil || p.ClusterCA == nil {
		return nil, errors.New("kubeconfig: no cluster CA")
	}
	if pair == nil {
		return nil, fmt.Errorf("kubeconfig for cluster %q: no client certificate", clusterName)
	}
	return pki.Kubeconfig{
		ClusterName:   clusterName,
		Server:        server,
		CAPEM:         p.ClusterCA.CertPEM,
		UserName:      userName,
		ClientCertPEM: pair.CertPEM,
		ClientKeyPEM:  pair.KeyPEM,
	}.Bytes()
}

// complete validates cfg, fills in its defaults and returns the kubernetes Service's
// addresses.
func (cfg Config) complete() (Config, []net.IP, error) {
	var errs []error
	if cfg.Namespace == "" {
		errs = append(errs, errors.New("namespace is required"))
	}
	var serviceIPs []net.IP
	if cfg.ServiceCIDR == "" {
		errs = append(errs, errors.New("service CIDR is required"))
	} else {
		for cidr := range strings.SplitSeq(cfg.ServiceCIDR, ",") {
			ip, err := firstAddress(strings.TrimSpace(cidr))
			if err != nil {
				errs = append(errs, fmt.Errorf("service CIDR: %w", err))
				continue
			}
			serviceIPs = append(serviceIPs, ip)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return cfg, nil, fmt.Errorf("shoot PKI in namespace %q: %w", cfg.Namespace, err)
	}
	cfg.ClusterDomain = cmp.Or(cfg.ClusterDomain, DefaultClusterDomain)
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	return cfg, serviceIPs, nil
}

// firstAddress returns the first address in cidr, the kubernetes Service's.
func firstAddress(cidr string) (net.IP, error) {
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, err
	}
	first := prefix.Masked().Addr().Next()
	if !first.IsValid() || !prefix.Contains(first) {
		return nil, fmt.Errorf("%s has no address for the kubernetes Service", cidr)
	}
	return net.IP(first.AsSlice()), nil
}

// uniqueStrings returns in without empty strings and repetitions, in order.
func uniqueStrings(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// uniqueIPs returns in without nil addresses and repetitions, in order.
func uniqueIPs(in []net.IP) []net.IP {
	out := make([]net.IP, 0, len(in))
	for _, ip := range in {
		if ip != nil && !slices.ContainsFunc(out, ip.Equal) {
			out = append(out, ip)
		}
	}
	return out
}
