package hortusapiserver

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/hortus-dev/hortus/pkg/component"
)

// DefaultName is the component name used when Config.Name is empty.
const DefaultName = "hortus-apiserver"

// Config is everything the description depends on. The certificates and the kubeconfig
// are given; the builder only places them.
type Config struct {
	// Name of the component; DefaultName when empty.
	Name string
	// Binary is the hortus binary; "hortus" when empty.
	Binary string
	// DependsOn names the components (etcd, the garden kube-apiserver) that must be
	// ready first, when they run in the same set.
	DependsOn []string

	// BindAddress is the address to listen on; 127.0.0.1 when empty.
	BindAddress string
	SecurePort  int

	EtcdServers []string
	// EtcdPrefix is the key prefix in etcd; the server's default (/registry-hortus) when
	// empty.
	EtcdPrefix                                     string
	EtcdCAPEM, EtcdClientCertPEM, EtcdClientKeyPEM []byte

	// ServingCertPEM and ServingKeyPEM are the serving certificate; CAPEM is the CA that
	// signed it, which readiness probes and the garden's APIServices trust.
	CAPEM, ServingCertPEM, ServingKeyPEM []byte

	// GardenKubeconfig reaches the garden kube-apiserver: for the delegated authentication
	// and authorization and for the admission plugins. Its user needs the rights of the
	// system:auth-delegator ClusterRole and of the extension-apiserver-authentication-reader
	// Role in kube-system, and to list and watch Namespaces and admission configurations.
	GardenKubeconfig []byte

	// ExtraArgs are added as --key=value and override the builder's own flags.
	ExtraArgs map[string]string
	// ReadyTimeout bounds start-up; 0 means one minute.
	ReadyTimeout time.Duration
}

// Files in the working directory.
const (
	caFile           = "pki/ca.crt"
	servingCertFile  = "pki/hortus-apiserver.crt"
	servingKeyFile   = "pki/hortus-apiserver.key"
	etcdCAFile       = "pki/etcd-ca.crt"
	etcdCertFile     = "pki/etcd-client.crt"
	etcdKeyFile      = "pki/etcd-client.key"
	gardenKubeconfig = "garden.kubeconfig"
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
	bin := cmp.Or(c.Binary, "hortus")
	timeout := cmp.Or(c.ReadyTimeout, time.Minute)
	wd := component.InWorkDir("")
	flags := map[string]string{
		"bind-address":         c.bindAddress(),
		"secure-port":          fmt.Sprint(c.SecurePort),
		"etcd-servers":         strings.Join(c.EtcdServers, ","),
		"etcd-cafile":          wd + etcdCAFile,
		"etcd-certfile":        wd + etcdCertFile,
		"etcd-keyfile":         wd + etcdKeyFile,
		"tls-cert-file":        wd + servingCertFile,
		"tls-private-key-file": wd + servingKeyFile,
		"kubeconfig":           wd + gardenKubeconfig,
		"logging-format":       "json",
	}
	if c.EtcdPrefix != "" {
		flags["etcd-prefix"] = c.EtcdPrefix
	}
	for k, v := range c.ExtraArgs {
		flags[k] = v
	}
	return component.Component{
		Name:   name,
		Binary: bin,
		Args:   append([]string{"apiserver"}, component.FlagArgs(flags)...),
		Files: []component.File{
			{Path: caFile, Content: c.CAPEM, Mode: 0o644},
			{Path: servingCertFile, Content: c.ServingCertPEM, Mode: 0o644},
			{Path: servingKeyFile, Content: c.ServingKeyPEM},
			{Path: etcdCAFile, Content: c.EtcdCAPEM, Mode: 0o644},
			{Path: etcdCertFile, Content: c.EtcdClientCertPEM, Mode: 0o644},
			{Path: etcdKeyFile, Content: c.EtcdClientKeyPEM},
			{Path: gardenKubeconfig, Content: c.GardenKubeconfig},
		},
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
