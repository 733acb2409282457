package kubescheduler

import (
	"cmp"
	"maps"
	"time"

	"github.com/hortus-dev/hortus/pkg/component"
)

// DefaultName is the component name used when Config.Name is empty.
const DefaultName = "kube-scheduler"

// DefaultSecurePort is the upstream default of --secure-port, used when Config.SecurePort
// is zero.
const DefaultSecurePort = 10259

// Config is everything the kube-scheduler description depends on. Certificates and the
// kubeconfig are PEM or YAML bytes; the builder only places them, it never generates any.
type Config struct {
	// Name of the component; DefaultName when empty.
	Name string
	// Binary is the kube-scheduler executable; "kube-scheduler" when empty.
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

	// Kubeconfig reaches the kube-apiserver as the user system:kube-scheduler, which the
	// bootstrap RBAC policy grants what the scheduler needs. It also delegates
	// authentication and authorization of the secure port.
	Kubeconfig []byte

	// ExtraArgs are added as --key=value and override the builder's own flags.
	ExtraArgs map[string]string
	// ReadyTimeout bounds start-up; 0 means one minute.
	ReadyTimeout time.Duration
}

// kubeconfigFile is the kubeconfig in the working directory.
const kubeconfigFile = "kubeconfig"

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
	bin := cmp.Or(c.Binary, "kube-scheduler")
	timeout := cmp.Or(c.ReadyTimeout, time.Minute)
	serving := c.secureServing()
	wd := component.InWorkDir("")
	flags := map[string]string{
		"kubeconfig":                wd + kubeconfigFile,
		"authentication-kubeconfig": wd + kubeconfigFile,
		"authorization-kubeconfig":  wd + kubeconfigFile,
		"leader-elect":              "false",
		"logging-format":            "json",
	}
	maps.Copy(flags, serving.Flags())
	maps.Copy(flags, c.ExtraArgs)
	files := append([]component.File{
		{Path: kubeconfigFile, Content: c.Kubeconfig},
	}, serving.Files()...)
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
