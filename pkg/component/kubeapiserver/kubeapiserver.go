package kubeapiserver

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/hortus-dev/hortus/pkg/component"
)

// DefaultName is the component name used when Config.Name is empty.
const DefaultName = "kube-apiserver"

// Config is everything the kube-apiserver description depends on. The certificates are
// PEM-encoded; the builder only places them, it never generates any.
type Config struct {
	// Name of the component; DefaultName when empty.
	Name string
	// Binary is the kube-apiserver executable; "kube-apiserver" when empty.
	Binary string
	// DependsOn names the components (usually etcd) that must be ready first.
	DependsOn []string

	// BindAddress is the address to listen on; 127.0.0.1 when empty.
	BindAddress string
	// AdvertiseAddress is the address published in the kubernetes Service endpoints.
	AdvertiseAddress string
	SecurePort       int

	EtcdServers []string
	// EtcdPrefix is the key prefix in etcd; "/registry" when empty.
	EtcdPrefix                                     string
	EtcdCAPEM, EtcdClientCertPEM, EtcdClientKeyPEM []byte

	// ServingCertPEM and ServingKeyPEM are the serving certificate; CAPEM is the CA that
	// signed it and that readiness probes trust.
	CAPEM, ServingCertPEM, ServingKeyPEM []byte
	// ClientCAPEM verifies client certificates.
	ClientCAPEM []byte

	// ServiceAccountPrivateKeyPEM signs tokens; ServiceAccountPublicKeyPEM verifies them.
	ServiceAccountPrivateKeyPEM, ServiceAccountPublicKeyPEM []byte
	// ServiceAccountIssuer is the iss claim, e.g. https://kubernetes.default.svc.
	ServiceAccountIssuer string

	// RequestHeaderCAPEM and the proxy client pair enable the aggregation layer
	// (front-proxy). Leave them empty to run without it.
	RequestHeaderCAPEM, ProxyClientCertPEM, ProxyClientKeyPEM []byte

	// ServiceClusterIPRange is the CIDR of Services, e.g. 10.0.0.0/24.
	ServiceClusterIPRange string
	// AuthorizationModes defaults to RBAC.
	AuthorizationModes []string
	// EncryptionConfig, when set, is an EncryptionConfiguration for data at rest.
	EncryptionConfig []byte
	// ExtraArgs are added as --key=value and override the builder's own flags.
	ExtraArgs map[string]string
	// ReadyTimeout bounds start-up; 0 means one minute.
	ReadyTimeout time.Duration
}

// Files in the working directory.
const (
	caFile              = "pki/ca.crt"
	servingCertFile     = "pki/apiserver.crt"
	servingKeyFile      = "pki/apiserver.key"
	clientCAFile        = "pki/client-ca.crt"
	etcdCAFile          = "pki/etcd-ca.crt"
	etcdCertFile        = "pki/etcd-client.crt"
	etcdKeyFile         = "pki/etcd-client.key"
	saKeyFile           = "pki/sa.key"
	saPubFile           = "pki/sa.pub"
	requestHeaderCAFile = "pki/front-proxy-ca.crt"
	proxyCertFile       = "pki/front-proxy-client.crt"
	proxyKeyFile        = "pki/front-proxy-client.key"
	encryptionFile      = "encryption-config.yaml"
)

// URL returns the https URL of the server.
func (c Config) URL() string {
	return fmt.Sprintf("https://%s:%d", c.bindAddress(), c.SecurePort)
}

func (c Config) bindAddress() string {
	if c.BindAddress == "" {
		return "127.0.0.1"
	}
	return c.BindAddress
}

// Build returns the component description.
func Build(c Config) component.Component {
	name := cmp.Or(c.Name, DefaultName)
	bin := cmp.Or(c.Binary, "kube-apiserver")
	timeout := cmp.Or(c.ReadyTimeout, time.Minute)
	prefix := c.EtcdPrefix
	if prefix == "" {
		prefix = "/registry"
	}
	modes := c.AuthorizationModes
	if len(modes) == 0 {
		modes = []string{"RBAC"}
	}
	wd := component.InWorkDir("")
	flags := map[string]string{
		"bind-address":                     c.bindAddress(),
		"secure-port":                      fmt.Sprint(c.SecurePort),
		"etcd-servers":                     strings.Join(c.EtcdServers, ","),
		"etcd-prefix":                      prefix,
		"etcd-cafile":                      wd + etcdCAFile,
		"etcd-certfile":                    wd + etcdCertFile,
		"etcd-keyfile":                     wd + etcdKeyFile,
		"tls-cert-file":                    wd + servingCertFile,
		"tls-private-key-file":             wd + servingKeyFile,
		"client-ca-file":                   wd + clientCAFile,
		"service-account-key-file":         wd + saPubFile,
		"service-account-signing-key-file": wd + saKeyFile,
		"service-account-issuer":           c.ServiceAccountIssuer,
		"service-cluster-ip-range":         c.ServiceClusterIPRange,
		"authorization-mode":               strings.Join(modes, ","),
		"allow-privileged":                 "true",
		// Nodes join with bootstrap tokens and may then touch only their own Node, Lease
		// and Pods.
		"enable-bootstrap-token-auth":  "true",
		"enable-admission-plugins":     "NodeRestriction",
		"enable-priority-and-fairness": "false",
		"profiling":                    "false",
		"endpoint-reconciler-type":     "none",
		"logging-format":               "json",
	}
	if c.AdvertiseAddress != "" {
		flags["advertise-address"] = c.AdvertiseAddress
	}
	files := []component.File{
		{Path: caFile, Content: c.CAPEM, Mode: 0o644},
		{Path: servingCertFile, Content: c.ServingCertPEM, Mode: 0o644},
		{Path: servingKeyFile, Content: c.ServingKeyPEM},
		{Path: clientCAFile, Content: c.ClientCAPEM, Mode: 0o644},
		{Path: etcdCAFile, Content: c.EtcdCAPEM, Mode: 0o644},
		{Path: etcdCertFile, Content: c.EtcdClientCertPEM, Mode: 0o644},
		{Path: etcdKeyFile, Content: c.EtcdClientKeyPEM},
		{Path: saKeyFile, Content: c.ServiceAccountPrivateKeyPEM},
		{Path: saPubFile, Content: c.ServiceAccountPublicKeyPEM, Mode: 0o644},
	}
	if len(c.RequestHeaderCAPEM) > 0 {
		flags["requestheader-client-ca-file"] = wd + requestHeaderCAFile
		flags["requestheader-allowed-names"] = "front-proxy-client"
		flags["requestheader-username-headers"] = "X-Remote-User"
		flags["requestheader-group-headers"] = "X-Remote-Group"
		flags["requestheader-extra-headers-prefix"] = "X-Remote-Extra-"
		flags["proxy-client-cert-file"] = wd + proxyCertFile
		flags["proxy-client-key-file"] = wd + proxyKeyFile
		flags["enable-aggregator-routing"] = "true"
		files = append(files,
			component.File{Path: requestHeaderCAFile, Content: c.RequestHeaderCAPEM, Mode: 0o644},
			component.File{Path: proxyCertFile, Content: c.ProxyClientCertPEM, Mode: 0o644},
			component.File{Path: proxyKeyFile, Content: c.ProxyClientKeyPEM},
		)
	}
	if len(c.EncryptionConfig) > 0 {
		flags["encryption-provider-config"] = wd + encryptionFile
		files = append(files, component.File{Path: encryptionFile, Content: c.EncryptionConfig})
	}
	for k, v := range c.ExtraArgs {
		flags[k] = v
	}
	return component.Component{
		Name:      name,
		Binary:    bin,
		Args:      component.FlagArgs(flags),
		Files:     files,
		Ports:     []component.Port{{Name: "https", Port: c.SecurePort}},
		DependsOn: c.DependsOn,
		Readiness: &component.Probe{
			HTTPGet: &component.HTTPGetAction{
				Scheme: "https",
				Host:   c.bindAddress(),
				Port:   c.SecurePort,
				Path:   "/readyz",
				CAFile: wd + caFile,
			},
			Timeout: timeout,
		},
	}
}
