package etcdbackup_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	clientv3 "go.etcd.io/etcd/client/v3"
	utlsnapshot "go.etcd.io/etcd/etcdutl/v3/snapshot"
	"go.uber.org/zap"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/hortus-dev/hortus/pkg/etcd"
	"github.com/hortus-dev/hortus/pkg/etcdbackup"
	"github.com/hortus-dev/hortus/pkg/pki"
)

// sidecar is a running backup server and a client of it.
type sidecar struct {
	URL    string
	Client *etcdbackup.Client
	Logs   *logLines
	Clock  *clocktesting.FakeClock
	Store  etcdbackup.Store
	// stop cancels Run and returns its result.
	stop func() error
}

// startSidecar runs the backup server for the etcd of o with a fake clock at now.
func startSidecar(t *testing.T, p testPKI, o etcd.Options, store etcdbackup.Store, now time.Time, modify func(*etcdbackup.ServerOptions)) *sidecar {
	t.Helper()
	g := NewWithT(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	g.Expect(err).NotTo(HaveOccurred())
	tlsConfig, err := etcdbackup.NewServerTLSConfig(p.Server.CertPEM, p.Server.KeyPEM, p.CA.CertPEM)
	g.Expect(err).NotTo(HaveOccurred())
	s := &sidecar{URL: "https://" + l.Addr().String(), Logs: &logLines{}, Clock: clocktesting.NewFakeClock(now), Store: store}
	opts := etcdbackup.ServerOptions{
		Store: store,
		Etcd:  clientConfig(t, p, o),
		Keep:  3,
		Log:   s.Logs.logger(),
		Clock: s.Clock,
	}
	if modify != nil {
		modify(&opts)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- etcdbackup.Run(ctx, opts, l, tlsConfig) }()
	var once sync.Once
	var result error
	s.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case result = <-done:
			case <-time.After(30 * time.Second):
				result = errors.New("Run did not return within 30s of its context being done")
			}
		})
		return result
	}
	t.Cleanup(func() { _ = s.stop() })
	s.Client, err = etcdbackup.NewClient(s.URL, p.CA.CertPEM, p.Client.CertPEM, p.Client.KeyPEM)
	g.Expect(err).NotTo(HaveOccurred())
	return s
}

// names returns the names of the snapshots in the store.
func names(g Gomega, store etcdbackup.Store) []string {
	list, err := store.List()
	g.Expect(err).NotTo(HaveOccurred())
	var out []string
	for _, s := range list {
		out = append(out, s.Name)
	}
	return out
}

func TestServerSnapshotsOnStartRequestAndSchedule(t *testing.T) {
	g := NewWithT(t)
	p := newTestPKI(t)
	o := etcdOptions(t, p, t.TempDir())
	startEtcd(t, o)
	cli := newEtcdClient(t, clientConfig(t, p, o))
	put(t, cli, "k", "v")

	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	store := etcdbackup.Store{Dir: filepath.Join(t.TempDir(), "entry")}
	s := startSidecar(t, p, o, store, now, nil)
	ctx := t.Context()

	// An empty store gets a snapshot at start; then the server waits for midnight UTC.
	g.Eventually(func(g Gomega) []string { return names(g, store) }).Should(HaveLen(1))
	// The file is in the store a moment before the server logs it.
	g.Eventually(s.Logs.String).Should(ContainSubstring(`"msg"="Took an etcd snapshot" "trigger"="startup" "name"="full-20261129T120000.000000000Z.db"`))
	g.Eventually(s.Clock.HasWaiters).Should(BeTrue())
	g.Expect(s.Client.Healthy(ctx)).To(Succeed())

	// Requests are served one after the other: every snapshot is complete and its own.
	const parallel = 4
	var wg sync.WaitGroup
	taken := make([]etcdbackup.Snapshot, parallel)
	errs := make([]error, parallel)
	for i := range parallel {
		wg.Go(func() { taken[i], errs[i] = s.Client.TakeSnapshot(ctx) })
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range parallel {
		g.Expect(errs[i]).NotTo(HaveOccurred())
		g.Expect(taken[i].SizeBytes).To(BeNumerically(">", 0))
		g.Expect(seen).NotTo(HaveKey(taken[i].Name))
		seen[taken[i].Name] = true
	}
	list, err := s.Client.List(ctx)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(list).To(HaveLen(3), "pruned to Keep")
	for _, snap := range list {
		path, err := store.Path(snap.Name)
		g.Expect(err).NotTo(HaveOccurred())
		status, err := utlsnapshot.NewV3(zap.NewNop()).Status(path)
		g.Expect(err).NotTo(HaveOccurred(), "snapshot %s is a valid database", snap.Name)
		g.Expect(status.TotalKey).To(BeNumerically(">", 0))
	}
	g.Expect(s.Logs.String()).To(ContainSubstring(`"msg"="Pruned an etcd snapshot"`))

	// At midnight the schedule fires.
	before := names(g, store)
	s.Clock.SetTime(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	g.Eventually(func(g Gomega) []string { return names(g, store) }).Should(ContainElement("full-20261130T000000.000000000Z.db"))
	// The server logs the new file and then prunes the oldest.
	g.Eventually(func(g Gomega) []string { return names(g, store) }).ShouldNot(ContainElement(before[0]), "the oldest was pruned")
	g.Expect(s.Logs.String()).To(ContainSubstring(`"trigger"="schedule"`))

	g.Expect(s.stop()).To(Succeed())
	_, err = s.Client.List(ctx)
	g.Expect(err).To(HaveOccurred(), "the server stopped serving")
}

func TestServerStartupSnapshotOnlyWhenDue(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		newest time.Time
		want   int
	}{
		{name: "newest after the last tick", newest: now.Add(-time.Hour), want: 1},
		{name: "newest before the last tick", newest: now.Add(-13 * time.Hour), want: 2},
	}
	p := newTestPKI(t)
	o := etcdOptions(t, p, t.TempDir())
	startEtcd(t, o)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			store := etcdbackup.Store{Dir: t.TempDir()}
			touch(t, filepath.Join(store.Dir, "full-"+tt.newest.Format("20060102T150405.000000000Z")+".db"))
			s := startSidecar(t, p, o, store, now, nil)
			// The server waits for the next tick only after its start-up decision.
			g.Eventually(s.Clock.HasWaiters).Should(BeTrue())
			g.Expect(names(g, store)).To(HaveLen(tt.want))
		})
	}
}

func TestServerRetriesUntilEtcdAnswers(t *testing.T) {
	g := NewWithT(t)
	p := newTestPKI(t)
	o := etcdOptions(t, p, t.TempDir()) // not started yet
	store := etcdbackup.Store{Dir: t.TempDir()}
	s := startSidecar(t, p, o, store, time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC), func(so *etcdbackup.ServerOptions) {
		so.SnapshotTimeout = time.Second
	})

	g.Eventually(s.Logs.String).WithTimeout(10 * time.Second).Should(ContainSubstring(`"msg"="Retrying the etcd snapshot" "trigger"="startup" "retryIn"="5s"`))
	g.Expect(s.Logs.String()).To(ContainSubstring("within 1s (--snapshot-timeout)"))
	g.Expect(s.Logs.String()).To(ContainSubstring(o.ListenClientURL))
	err := s.Client.Healthy(t.Context())
	g.Expect(err).To(MatchError(ContainSubstring("503")))
	g.Expect(err).To(MatchError(ContainSubstring("does not answer")))
	g.Expect(names(g, store)).To(BeEmpty())

	startEtcd(t, o)
	g.Eventually(s.Clock.HasWaiters).Should(BeTrue())
	s.Clock.Step(5 * time.Second)
	g.Eventually(func(g Gomega) []string { return names(g, store) }).Should(HaveLen(1))
	g.Eventually(func() error { return s.Client.Healthy(t.Context()) }).Should(Succeed())
}

func TestServerRequiresClientCertificate(t *testing.T) {
	g := NewWithT(t)
	p := newTestPKI(t)
	o := etcdOptions(t, p, t.TempDir())
	startEtcd(t, o)
	s := startSidecar(t, p, o, etcdbackup.Store{Dir: t.TempDir()}, time.Now(), nil)
	g.Eventually(func() error { return s.Client.Healthy(t.Context()) }).Should(Succeed())

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(p.CA.CertPEM)
	other, err := pki.NewCA("other", time.Hour)
	g.Expect(err).NotTo(HaveOccurred())
	stranger, err := other.Issue(pki.CertConfig{CommonName: "stranger", Client: true})
	g.Expect(err).NotTo(HaveOccurred())
	strangerCert, err := tls.X509KeyPair(stranger.CertPEM, stranger.KeyPEM)
	g.Expect(err).NotTo(HaveOccurred())
	for name, certs := range map[string][]tls.Certificate{"no certificate": nil, "foreign CA": {strangerCert}} {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: certs, MinVersion: tls.VersionTLS12}}}
		resp, err := c.Get(s.URL + "/healthz")
		if err == nil {
			_ = resp.Body.Close()
		}
		g.Expect(err).To(HaveOccurred(), name)
		c.CloseIdleConnections()
	}
}

func TestServerErrorsAreJSON(t *testing.T) {
	p := newTestPKI(t)
	o := etcdOptions(t, p, t.TempDir())
	startEtcd(t, o)
	s := startSidecar(t, p, o, etcdbackup.Store{Dir: t.TempDir()}, time.Now(), nil)
	cert, err := tls.X509KeyPair(p.Client.CertPEM, p.Client.KeyPEM)
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(p.CA.CertPEM)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}}
	defer c.CloseIdleConnections()

	tests := []struct {
		method, path string
		wantCode     int
		wantError    string
	}{
		{method: http.MethodGet, path: "/nope", wantCode: http.StatusNotFound, wantError: "serves /snapshots"},
		{method: http.MethodDelete, path: "/snapshots", wantCode: http.StatusMethodNotAllowed, wantError: "POST takes one"},
		{method: http.MethodPost, path: "/healthz", wantCode: http.StatusMethodNotAllowed, wantError: "use GET"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			g := NewWithT(t)
			req, err := http.NewRequestWithContext(t.Context(), tt.method, s.URL+tt.path, nil)
			g.Expect(err).NotTo(HaveOccurred())
			resp, err := c.Do(req)
			g.Expect(err).NotTo(HaveOccurred())
			defer func() { _ = resp.Body.Close() }()
			g.Expect(resp.StatusCode).To(Equal(tt.wantCode))
			g.Expect(resp.Header.Get("Content-Type")).To(Equal("application/json"))
			body, err := io.ReadAll(resp.Body)
			g.Expect(err).NotTo(HaveOccurred())
			var e struct {
				Error string `json:"error"`
			}
			g.Expect(json.Unmarshal(body, &e)).To(Succeed(), string(body))
			g.Expect(e.Error).To(ContainSubstring(tt.wantError))
		})
	}
}

func TestRunRejectsInvalidOptions(t *testing.T) {
	p := newTestPKI(t)
	valid := func() etcdbackup.ServerOptions {
		return etcdbackup.ServerOptions{Store: etcdbackup.Store{Dir: t.TempDir()}, Etcd: clientv3.Config{Endpoints: []string{"https://127.0.0.1:1"}}}
	}
	tlsConfig, err := etcdbackup.NewServerTLSConfig(p.Server.CertPEM, p.Server.KeyPEM, p.CA.CertPEM)
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	tests := []struct {
		name    string
		modify  func(*etcdbackup.ServerOptions)
		tls     *tls.Config
		wantErr []string
	}{
		{name: "no store", modify: func(o *etcdbackup.ServerOptions) { o.Store.Dir = "" }, tls: tlsConfig, wantErr: []string{"--store-dir"}},
		{
			name: "many problems",
			modify: func(o *etcdbackup.ServerOptions) {
				o.Etcd.Endpoints = []string{"https://a:1", "https://b:1"}
				o.Schedule = "often"
				o.Keep = -1
			},
			tls:     tlsConfig,
			wantErr: []string{"exactly one endpoint (--endpoint)", `--schedule: schedule "often"`, "--keep must be at least 1"},
		},
		{name: "no TLS", tls: nil, wantErr: []string{"HTTPS only"}},
		{name: "no client CA", tls: &tls.Config{Certificates: tlsConfig.Certificates}, wantErr: []string{"--client-ca-file"}},
		{name: "no serving certificate", tls: &tls.Config{ClientCAs: tlsConfig.ClientCAs}, wantErr: []string{"--tls-cert-file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			o := valid()
			if tt.modify != nil {
				tt.modify(&o)
			}
			l, err := net.Listen("tcp", "127.0.0.1:0")
			g.Expect(err).NotTo(HaveOccurred())
			defer func() { _ = l.Close() }()
			err = etcdbackup.Run(t.Context(), o, l, tt.tls)
			for _, want := range tt.wantErr {
				g.Expect(err).To(MatchError(ContainSubstring(want)))
			}
		})
	}
}

func TestNewClientRejectsInvalidInput(t *testing.T) {
	p := newTestPKI(t)
	tests := []struct {
		name, url    string
		ca, crt, key []byte
		wantErr      string
	}{
		{name: "http", url: "http://127.0.0.1:1", ca: p.CA.CertPEM, crt: p.Client.CertPEM, key: p.Client.KeyPEM, wantErr: "HTTPS only"},
		{name: "no host", url: "https://", ca: p.CA.CertPEM, crt: p.Client.CertPEM, key: p.Client.KeyPEM, wantErr: "https://HOST:PORT"},
		{name: "no CA", url: "https://127.0.0.1:1", crt: p.Client.CertPEM, key: p.Client.KeyPEM, wantErr: "holds no PEM certificate"},
		{name: "no certificate", url: "https://127.0.0.1:1", ca: p.CA.CertPEM, wantErr: "client certificate and key"},
		{name: "mismatched key", url: "https://127.0.0.1:1", ca: p.CA.CertPEM, crt: p.Client.CertPEM, key: p.Server.KeyPEM, wantErr: "client certificate and key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := etcdbackup.NewClient(tt.url, tt.ca, tt.crt, tt.key)
			NewWithT(t).Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
		})
	}
	_, err := etcdbackup.NewServerTLSConfig(p.Server.CertPEM, p.Server.KeyPEM, []byte("junk"))
	NewWithT(t).Expect(err).To(MatchError(ContainSubstring("client CA")))
	_, err = etcdbackup.NewServerTLSConfig(p.Server.CertPEM, nil, p.CA.CertPEM)
	NewWithT(t).Expect(err).To(MatchError(ContainSubstring("serving certificate")))
}
