package kubecontrollermanager

import (
	"cmp"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/hortus-dev/hortus/pkg/component"
)

// DefaultName is the component name used when Config.Name is empty.
const DefaultName = "kube-controller-manager"

// DefaultSecurePort is the upstream default of --secure-port, used when Config.SecurePort
// is zero.
const DefaultSecurePort = 10257

// DefaultControllers are the controllers that run when Config.Controllers is empty: every
// controller that is on by default ("*", which includes the namespace, garbage collector,
// serviceaccount, serviceaccount-token, root CA publisher and CSR controllers) plus the
// bootstrap token signer and cleaner that node bootstrap needs. The two are the current
// names of what older releases called bootstrapsigner and tokencleaner; the binary accepts
// both.
var DefaultControllers = []string{"*", "bootstrap-signer-controller", "token-cleaner-controller"}

// WorkerlessControllers are the controllers a cluster without nodes needs: those that keep
// API objects consistent (namespaces, garbage collection, ServiceAccounts and their tokens,
// the root CA ConfigMap, RBAC aggregation, quotas, CSRs, Service CIDRs, mirrored
// EndpointSlices, admission policy status). Node, volume and workload controllers would only
// create Pods that can never run, and each one costs the kube-controller-manager's start a
// ServiceAccount and token round trip.
var WorkerlessControllers = []string{
	"namespace-controller",
	"garbage-collector-controller",
	"serviceaccount-controller",
	"serviceaccount-token-controller",
	"legacy-serviceaccount-token-cleaner-controller",
	"root-ca-certificate-publisher-controller",
	"clusterrole-aggregation-controller",
	"resourcequota-controller",
	"certificatesigningrequest-signing-controller",
	"certificatesigningrequest-approving-controller",
	"certificatesigningrequest-cleaner-controller",
	"service-cidr-controller",
	"endpointslice-mirroring-controller",
	"validatingadmissionpolicy-status-controller",
}

// Config is everything the kube-controller-manager description depends on. Certificates,
// keys and the kubeconfig are PEM or YAML bytes; the builder only places them, it never
// generates any.
type Config struct {
	// Name of the component; DefaultName when empty.
	Name string
	// Binary is the kube-controller-manager executable; "kube-controller-manager" when
	// empty.
	Binary string
	// DependsOn names the components (usually the kube-apiserver) that must be ready first,
	// when they run in the same set.
	DependsOn []string

	// BindAddress is the address of the secure port (/healthz, /metrics); 127.0.0.1 when
	// empty.
	BindAddress string
	// SecurePort serves /healthz and /metrics; DefaultSecurePort when zero.
	SecurePort int
	// ServingCertPEM and ServingKeyPEM serve the secure port. When empty the binary
	// generates a self-signed pair in $(HORTUS_WORKDIR)/serving on first start and reuses
	// it afterwards. ServingCAPEM, when set, is what the readiness probe trusts; without it
	// the probe skips verification.
	ServingCertPEM, ServingKeyPEM, ServingCAPEM []byte

	// Kubeconfig reaches the kube-apiserver as the user system:kube-controller-manager,
	// which the bootstrap RBAC policy grants what the controllers need. It also delegates
	// authentication and authorization of the secure port.
	Kubeconfig []byte

	// ServiceAccountPrivateKeyPEM is the key the kube-apiserver signs service account
	// tokens with (its --service-account-signing-key-file): PKCS#1, SEC 1 or PKCS#8, RSA
	// or ECDSA. The serviceaccount-token controller only runs with it.
	ServiceAccountPrivateKeyPEM []byte
	// RootCAPEM is the CA bundle that verifies the kube-apiserver's serving certificate. It
	// is published as the kube-root-ca.crt ConfigMap in every namespace.
	RootCAPEM []byte

	// ClusterSigningCertPEM and ClusterSigningKeyPEM are the CA that signs approved
	// CertificateSigningRequests of the kubernetes.io/* signers, kubelet client and serving
	// certificates during node bootstrap among them. For kubelet client certificates to
	// authenticate, it must be the CA the kube-apiserver trusts for client certificates
	// (its --client-ca-file), or a dedicated kubelet CA that the kube-apiserver's client CA
	// bundle includes. When empty, the CSR signing controller does not run.
	ClusterSigningCertPEM, ClusterSigningKeyPEM []byte

	// ClusterName is the instance prefix of the cluster; "kubernetes" when empty.
	ClusterName string
	// ServiceClusterIPRange is the CIDR of Services, e.g. 10.0.0.0/24; the binary uses it
	// only to allocate node CIDRs.
	ServiceClusterIPRange string
	// ClusterCIDR is the CIDR of Pods, e.g. 10.1.0.0/16; optional.
	ClusterCIDR string
	// AllocateNodeCIDRs lets the node IPAM controller give each Node a Pod CIDR out of
	// ClusterCIDR; off by default.
	AllocateNodeCIDRs bool
	// Controllers to run; DefaultControllers when empty.
	Controllers []string

	// ExtraArgs are added as --key=value and override the builder's own flags.
	ExtraArgs map[string]string
	// ReadyTimeout bounds start-up; 0 means one minute.
	ReadyTimeout time.Duration
}

// Files in the working directory.
const (
	kubeconfigFile     = "kubeconfig"
	saKeyFile          = "pki/sa.key"
	rootCAFile         = "pki/ca.crt"
	signingCertFile    = "pki/cluster-signing.crt"
	signingKeyFile     = "pki/cluster-signing.key"
	defaultClusterName = "kubernetes"
)

// URL returns the https URL of the secure port.
func (c Config) URL() string {
	return c.secureServing().URL()
}

// secureServing is the secure port with its defaults.
func (c Config) secureServing() component.SecureServing {
	return component.SecureServing{
		BindAddress: c.BindAddress,
		Port:        cmp.Or(c.SecurePort, DefaultSecurePort),
		CertPEM:     c.ServingCertPEM,
		KeyPEM:      c.ServingKeyPEM,
		CAPEM:       c.ServingCAPEM,
	}
}

// Build returns the component description.
func Build(c Config) component.Component {
	name := cmp.Or(c.Name, DefaultName)
	bin := cmp.Or(c.Binary, "kube-controller-manager")
	timeout := cmp.Or(c.ReadyTimeout, time.Minute)
	controllers := c.Controllers
	if len(controllers) == 0 {
		controllers = DefaultControllers
	}
	serving := c.secureServing()
	wd := component.InWorkDir("")
	flags := map[string]string{
		"kubeconfig":                       wd + kubeconfigFile,
		"authentication-kubeconfig":        wd + kubeconfigFile,
		"authorization-kubeconfig":         wd + kubeconfigFile,
		"service-account-private-key-file": wd + saKeyFile,
		"root-ca-file":                     wd + rootCAFile,
		"use-service-account-credentials":  "true",
		"controllers":                      strings.Join(controllers, ","),
		"cluster-name":                     cmp.Or(c.ClusterName, defaultClusterName),
		"allocate-node-cidrs":              fmt.Sprint(c.AllocateNodeCIDRs),
		"leader-elect":                     "false",
		"profiling":                        "false",
		"logging-format":                   "json",
	}
	files := []component.File{
		{Path: kubeconfigFile, Content: c.Kubeconfig},
		{Path: saKeyFile, Content: c.ServiceAccountPrivateKeyPEM},
		{Path: rootCAFile, Content: c.RootCAPEM, Mode: 0o644},
	}
	if c.ServiceClusterIPRange != "" {
		flags["service-cluster-ip-range"] = c.ServiceClusterIPRange
	}
	if c.ClusterCIDR != "" {
		flags["cluster-cidr"] = c.ClusterCIDR
	}
	if len(c.ClusterSigningCertPEM) > 0 {
		flags["cluster-signing-cert-file"] = wd + signingCertFile
		flags["cluster-signing-key-file"] = wd + signingKeyFile
		files = append(files,
			component.File{Path: signingCertFile, Content: c.ClusterSigningCertPEM, Mode: 0o644},
			component.File{Path: signingKeyFile, Content: c.ClusterSigningKeyPEM},
		)
	}
	maps.Copy(flags, serving.Flags())
	maps.Copy(flags, c.ExtraArgs)
	files = append(files, serving.Files()...)
	return component.Component{
		Name:      name,
		Binary:    bin,
		Args:      component.FlagArgs(flags),
		Files:     files,
		Ports:     []component.Port{{Name: "https", Port: serving.Port}},
		DependsOn: c.DependsOn,
		Readiness: &component.Probe{HTTPGet: serving.Probe(), Timeout: timeout},
	}
}
