package etcd_test

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/etcd"
)

func TestOptionsValidate(t *testing.T) {
	valid := func() etcd.Options {
		return etcd.Options{
			DataDir:         "/var/lib/hortus/etcd",
			ListenClientURL: "http://127.0.0.1:2379",
			ListenPeerURL:   "http://127.0.0.1:2380",
		}
	}
	withTLS := func(o etcd.Options) etcd.Options {
		o.ListenClientURL = "https://127.0.0.1:2379"
		o.CertFile, o.KeyFile, o.TrustedCAFile = "server.crt", "server.key", "ca.crt"
		return o
	}

	tests := []struct {
		name    string
		modify  func(*etcd.Options)
		wantErr []string // substrings; none means valid
	}{
		{name: "minimal", modify: func(*etcd.Options) {}},
		{name: "everything set", modify: func(o *etcd.Options) {
			*o = withTLS(*o)
			o.Name = "main"
			o.ListenPeerURL = "https://[::1]:2380"
			o.PeerCertFile, o.PeerKeyFile, o.PeerTrustedCAFile = "peer.crt", "peer.key", "ca.crt"
			o.ListenMetricsURL = "https://0.0.0.0:2381"
			o.QuotaBackendBytes = 8 << 30
			o.SnapshotCount = 10000
			o.AutoCompactionRetention = "5m"
			o.ReadyTimeout = time.Minute
		}},
		{name: "retention in hours", modify: func(o *etcd.Options) { o.AutoCompactionRetention = "1" }},
		{name: "localhost", modify: func(o *etcd.Options) { o.ListenClientURL = "http://localhost:2379" }},
		{name: "trailing slash", modify: func(o *etcd.Options) { o.ListenClientURL = "http://127.0.0.1:2379/" }},
		{
			name:    "nothing set",
			modify:  func(o *etcd.Options) { *o = etcd.Options{} },
			wantErr: []string{"--data-dir is required", "--listen-client-urls is required", "--listen-peer-urls is required"},
		},
		{name: "name with equals", modify: func(o *etcd.Options) { o.Name = "a=b" }, wantErr: []string{`--name "a=b"`}},
		{name: "two client URLs", modify: func(o *etcd.Options) { o.ListenClientURL = "http://127.0.0.1:2379,http://127.0.0.1:3379" }, wantErr: []string{"exactly one URL"}},
		{name: "unix scheme", modify: func(o *etcd.Options) { o.ListenPeerURL = "unix://etcd.sock" }, wantErr: []string{"--listen-peer-urls", "scheme must be http or https"}},
		{name: "missing port", modify: func(o *etcd.Options) { o.ListenClientURL = "http://127.0.0.1" }, wantErr: []string{"--listen-client-urls", "http://IP:PORT"}},
		{name: "port zero", modify: func(o *etcd.Options) { o.ListenClientURL = "http://127.0.0.1:0" }, wantErr: []string{"port must be between 1 and 65535"}},
		{name: "host name", modify: func(o *etcd.Options) { o.ListenClientURL = "http://etcd.example.com:2379" }, wantErr: []string{"host must be an IP address"}},
		{name: "path", modify: func(o *etcd.Options) { o.ListenMetricsURL = "http://127.0.0.1:2381/metrics" }, wantErr: []string{"--listen-metrics-urls", "must not have a path"}},
		{name: "https without certificate", modify: func(o *etcd.Options) { o.ListenClientURL = "https://127.0.0.1:2379" }, wantErr: []string{"--listen-client-urls", "uses https", "--cert-file"}},
		{name: "http with certificate", modify: func(o *etcd.Options) {
			*o = withTLS(*o)
			o.ListenClientURL = "http://127.0.0.1:2379"
		}, wantErr: []string{"uses http although --cert-file is set"}},
		{name: "certificate without trusted CA", modify: func(o *etcd.Options) {
			*o = withTLS(*o)
			o.TrustedCAFile = ""
		}, wantErr: []string{"missing --trusted-ca-file"}},
		{name: "peer key without certificate", modify: func(o *etcd.Options) { o.PeerKeyFile = "peer.key" }, wantErr: []string{"missing --peer-cert-file, --peer-trusted-ca-file"}},
		{name: "https peer without certificate", modify: func(o *etcd.Options) { o.ListenPeerURL = "https://127.0.0.1:2380" }, wantErr: []string{"--peer-cert-file"}},
		{name: "https metrics without certificate", modify: func(o *etcd.Options) { o.ListenMetricsURL = "https://127.0.0.1:2381" }, wantErr: []string{"--listen-metrics-urls", "set --cert-file"}},
		{name: "negative quota", modify: func(o *etcd.Options) { o.QuotaBackendBytes = -1 }, wantErr: []string{"--quota-backend-bytes must not be negative"}},
		{name: "negative ready timeout", modify: func(o *etcd.Options) { o.ReadyTimeout = -time.Second }, wantErr: []string{"--ready-timeout must not be negative"}},
		{name: "bad retention", modify: func(o *etcd.Options) { o.AutoCompactionRetention = "soon" }, wantErr: []string{`--auto-compaction-retention "soon"`}},
		{name: "etcd's own raft timings", modify: func(o *etcd.Options) { o.HeartbeatInterval, o.ElectionTimeout = 100*time.Millisecond, time.Second }},
		{name: "election below five heartbeats", modify: func(o *etcd.Options) { o.HeartbeatInterval = 50 * time.Millisecond }, wantErr: []string{"--election-timeout (100 ms) must be at least 5 times --heartbeat-interval (50 ms)"}},
		{name: "negative heartbeat", modify: func(o *etcd.Options) { o.HeartbeatInterval = -time.Millisecond }, wantErr: []string{"must not be negative"}},
		{name: "sub-millisecond election", modify: func(o *etcd.Options) { o.HeartbeatInterval, o.ElectionTimeout = time.Microsecond, time.Microsecond*5 }, wantErr: []string{"whole milliseconds"}},
		{name: "negative retention", modify: func(o *etcd.Options) { o.AutoCompactionRetention = "-5m" }, wantErr: []string{"must not be negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			o := valid()
			tt.modify(&o)
			err := o.Validate()
			if len(tt.wantErr) == 0 {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(err).To(HaveOccurred())
			for _, want := range tt.wantErr {
				g.Expect(err.Error()).To(ContainSubstring(want))
			}
		})
	}
}

func TestClientConfig(t *testing.T) {
	tests := []struct {
		name         string
		opts         etcd.Options
		tls          etcd.ClientTLS
		wantEndpoint string
		wantTLS      bool
		wantErr      string
	}{
		{
			name:         "plain",
			opts:         etcd.Options{ListenClientURL: "http://127.0.0.1:2379"},
			wantEndpoint: "http://127.0.0.1:2379",
		},
		{
			name:         "unspecified address is dialled on loopback",
			opts:         etcd.Options{ListenClientURL: "http://0.0.0.0:2379"},
			wantEndpoint: "http://127.0.0.1:2379",
		},
		{
			name:         "https with system roots",
			opts:         etcd.Options{ListenClientURL: "https://[::]:2379"},
			wantEndpoint: "https://[::1]:2379",
			wantTLS:      true,
		},
		{name: "no URL", wantErr: "--listen-client-urls is required"},
		{
			name:    "TLS files on http",
			opts:    etcd.Options{ListenClientURL: "http://127.0.0.1:2379"},
			tls:     etcd.ClientTLS{CAFile: "ca.crt"},
			wantErr: "uses http",
		},
		{
			name:    "server requires a client certificate",
			opts:    etcd.Options{ListenClientURL: "https://127.0.0.1:2379", CertFile: "server.crt"},
			wantErr: "requires a client certificate",
		},
		{
			name:    "certificate without key",
			opts:    etcd.Options{ListenClientURL: "https://127.0.0.1:2379"},
			tls:     etcd.ClientTLS{CertFile: "client.crt"},
			wantErr: "go together",
		},
		{
			name:    "missing files",
			opts:    etcd.Options{ListenClientURL: "https://127.0.0.1:2379"},
			tls:     etcd.ClientTLS{CertFile: "/nonexistent/client.crt", KeyFile: "/nonexistent/client.key"},
			wantErr: "loading client TLS files",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			cfg, err := etcd.ClientConfig(tt.opts, tt.tls)
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(cfg.Endpoints).To(ConsistOf(tt.wantEndpoint))
			g.Expect(cfg.TLS != nil).To(Equal(tt.wantTLS), "TLS configured")
		})
	}
}
