package component

import (
	"cmp"
	"fmt"
	"strconv"
)

// Files and directories of SecureServing in the working directory.
const (
	servingCertFile   = "pki/serving.crt"
	servingKeyFile    = "pki/serving.key"
	servingCAFile     = "pki/serving-ca.crt"
	generatedCertsDir = "serving"
)

// SecureServing is the HTTPS port on which a Kubernetes binary with the generic secure
// serving flags, kube-controller-manager or kube-scheduler, serves /healthz and /metrics.
type SecureServing struct {
	// BindAddress is the address of the port; 127.0.0.1 when empty.
	BindAddress string
	// Port is the port number.
	Port int
	// CertPEM and KeyPEM serve the port. When empty the binary generates a self-signed
	// pair in $(HORTUS_WORKDIR)/serving on first start and reuses it afterwards. CAPEM,
	// when set, is what the readiness probe trusts; without it the probe skips
	// verification.
	CertPEM, KeyPEM, CAPEM []byte
}

// URL returns the https URL of the port.
func (s SecureServing) URL() string {
	return fmt.Sprintf("https://%s:%d", s.bindAddress(), s.Port)
}

func (s SecureServing) bindAddress() string {
	return cmp.Or(s.BindAddress, "127.0.0.1")
}

// Flags returns the binary's flags for the port: --bind-address and --secure-port, and
// --tls-cert-file and --tls-private-key-file for a given certificate or else --cert-dir.
func (s SecureServing) Flags() map[string]string {
	flags := map[string]string{
		"bind-address": s.bindAddress(),
		"secure-port":  strconv.Itoa(s.Port),
	}
	wd := InWorkDir("")
	if len(s.CertPEM) > 0 {
		flags["tls-cert-file"] = wd + servingCertFile
		flags["tls-private-key-file"] = wd + servingKeyFile
	} else {
		flags["cert-dir"] = wd + generatedCertsDir
	}
	return flags
}

// Files returns the files that Flags and Probe reference: the given certificate and key,
// and the CA, if any. The key keeps the executor's private default mode.
func (s SecureServing) Files() []File {
	if len(s.CertPEM) == 0 {
		return nil
	}
	files := []File{
		{Path: servingCertFile, Content: s.CertPEM, Mode: 0o644},
		{Path: servingKeyFile, Content: s.KeyPEM},
	}
	if len(s.CAPEM) > 0 {
		files = append(files, File{Path: servingCAFile, Content: s.CAPEM, Mode: 0o644})
	}
	return files
}

// Probe returns the readiness check of the port: a GET of /healthz over https, which
// trusts CAPEM when a certificate and a CA are given.
func (s SecureServing) Probe() *HTTPGetAction {
	probe := &HTTPGetAction{
		Scheme: "https",
		Host:   s.bindAddress(),
		Port:   s.Port,
		Path:   "/healthz",
	}
	if len(s.CertPEM) > 0 && len(s.CAPEM) > 0 {
		probe.CAFile = InWorkDir(servingCAFile)
	}
	return probe
}
