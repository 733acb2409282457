package etcd

import (
	"cmp"
	"fmt"
	"strconv"
	"time"

	"github.com/hortus-dev/hortus/pkg/component"
)

// DefaultName is the component name used when Config.Name is empty.
const DefaultName = "etcd"

// Config is everything the etcd component description depends on.
type Config struct {
	// Name of the component; DefaultName when empty.
	Name string
	// Binary serves "etcd …"; "hortus-etcd" (the slim binary with only that command) when
	// empty. "hortus" works too.
	Binary string
	// ClientPort, PeerPort and MetricsPort are loopback ports.
	ClientPort, PeerPort, MetricsPort int
	// Host is the address etcd listens on; 127.0.0.1 when empty.
	Host string
	// CAPEM is the etcd CA. Clients must present a certificate signed by it.
	CAPEM []byte
	// ServerCertPEM and ServerKeyPEM serve clients and peers. The certificate needs both
	// server and client usages: etcd's gRPC gateway dials the server with it.
	ServerCertPEM, ServerKeyPEM []byte
	// QuotaBackendBytes bounds the database size; 0 keeps etcd's default.
	QuotaBackendBytes int64
	// ReadyTimeout bounds start-up; 0 means one minute.
	ReadyTimeout time.Duration
}

// Files in the working directory.
const (
	caFile   = "pki/ca.crt"
	certFile = "pki/server.crt"
	keyFile  = "pki/server.key"
	dataDir  = "data"
)

// ClientURL returns the URL clients reach etcd on.
func (c Config) ClientURL() string {
	return fmt.Sprintf("https://%s:%d", c.host(), c.ClientPort)
}

func (c Config) host() string {
	if c.Host == "" {
		return "127.0.0.1"
	}
	return c.Host
}

// Build returns the component description. Its data lives in $(HORTUS_WORKDIR)/data.
func Build(c Config) component.Component {
	name := cmp.Or(c.Name, DefaultName)
	bin := cmp.Or(c.Binary, "hortus-etcd")
	timeout := cmp.Or(c.ReadyTimeout, time.Minute)
	wd := component.InWorkDir("")
	args := []string{
		"etcd",
		"--name=" + name,
		"--data-dir=" + wd + dataDir,
		"--listen-client-urls=" + c.ClientURL(),
		fmt.Sprintf("--listen-peer-urls=https://%s:%d", c.host(), c.PeerPort),
		fmt.Sprintf("--listen-metrics-urls=http://%s:%d", c.host(), c.MetricsPort),
		"--cert-file=" + wd + certFile,
		"--key-file=" + wd + keyFile,
		"--trusted-ca-file=" + wd + caFile,
		"--peer-cert-file=" + wd + certFile,
		"--peer-key-file=" + wd + keyFile,
		"--peer-trusted-ca-file=" + wd + caFile,
		"--ready-timeout=" + timeout.String(),
	}
	if c.QuotaBackendBytes > 0 {
		args = append(args, "--quota-backend-bytes="+strconv.FormatInt(c.QuotaBackendBytes, 10))
	}
	return component.Component{
		Name:   name,
		Binary: bin,
		Args:   args,
		Files: []component.File{
			{Path: caFile, Content: c.CAPEM, Mode: 0o644},
			{Path: certFile, Content: c.ServerCertPEM, Mode: 0o644},
			{Path: keyFile, Content: c.ServerKeyPEM, Mode: 0o600},
		},
		Ports: []component.Port{
			{Name: "client", Port: c.ClientPort},
			{Name: "peer", Port: c.PeerPort},
			{Name: "metrics", Port: c.MetricsPort},
		},
		Readiness: &component.Probe{
			HTTPGet: &component.HTTPGetAction{Host: c.host(), Port: c.MetricsPort, Path: "/health"},
			Timeout: timeout + 10*time.Second,
		},
	}
}
