package etcd

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// clientDialTimeout bounds how long a client built by ClientConfig waits for a connection.
const clientDialTimeout = 5 * time.Second

// ClientTLS is what a client needs to reach a server whose client URL is https.
type ClientTLS struct {
	// CAFile verifies the server's certificate. Empty means Options.TrustedCAFile, which
	// fits the usual setup of one CA signing both server and client certificates.
	CAFile string
	// CertFile and KeyFile are the client's certificate and key. The server requires them
	// when it has a certificate (Options.CertFile).
	CertFile, KeyFile string
}

// ClientConfig returns a client configuration for the server that o describes. Only
// o.ListenClientURL, o.CertFile, o.TrustedCAFile and o.Logger are read. A client URL on an
// unspecified address (0.0.0.0 or ::) is dialled on loopback.
func ClientConfig(o Options, t ClientTLS) (clientv3.Config, error) {
	if o.ListenClientURL == "" {
		return clientv3.Config{}, errors.New("--listen-client-urls is required to reach etcd")
	}
	u, err := parseURL("listen-client-urls", o.ListenClientURL)
	if err != nil {
		return clientv3.Config{}, err
	}
	if addr, err := netip.ParseAddr(u.Hostname()); err == nil && addr.IsUnspecified() {
		loopback := "127.0.0.1"
		if addr.Is6() {
			loopback = "::1"
		}
		u.Host = net.JoinHostPort(loopback, u.Port())
	}
	cfg := clientv3.Config{
		Endpoints:   []string{u.String()},
		DialTimeout: clientDialTimeout,
		Logger:      o.Logger,
	}

	tlsSet := t.CAFile != "" || t.CertFile != "" || t.KeyFile != ""
	if u.Scheme == "http" {
		if tlsSet {
			return clientv3.Config{}, fmt.Errorf("client URL %q uses http, but client TLS files are set: use https", o.ListenClientURL)
		}
		return cfg, nil
	}
	if o.CertFile != "" && (t.CertFile == "" || t.KeyFile == "") {
		return clientv3.Config{}, fmt.Errorf("etcd at %q requires a client certificate: set both the client certificate and key files", o.ListenClientURL)
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return clientv3.Config{}, errors.New("the client certificate and key files go together: set both or neither")
	}
	info := transport.TLSInfo{
		CertFile:      t.CertFile,
		KeyFile:       t.KeyFile,
		TrustedCAFile: t.CAFile,
	}
	if info.TrustedCAFile == "" {
		info.TrustedCAFile = o.TrustedCAFile
	}
	tlsConfig, err := info.ClientConfig()
	if err != nil {
		return clientv3.Config{}, fmt.Errorf("loading client TLS files: %w", err)
	}
	cfg.TLS = tlsConfig
	return cfg, nil
}
