package etcd_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	clientv3 "go.etcd.io/etcd/client/v3"
	utlsnapshot "go.etcd.io/etcd/etcdutl/v3/snapshot"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/hortus-dev/hortus/pkg/etcd"
)

func tlsOptions(t *testing.T, p testPKI, dataDir string) etcd.Options {
	t.Helper()
	return etcd.Options{
		Name:              "hortus-test",
		DataDir:           dataDir,
		ListenClientURL:   fmt.Sprintf("https://127.0.0.1:%d", freePort(t)),
		ListenPeerURL:     fmt.Sprintf("https://127.0.0.1:%d", freePort(t)),
		ListenMetricsURL:  fmt.Sprintf("http://127.0.0.1:%d", freePort(t)),
		CertFile:          p.ServerCertFile,
		KeyFile:           p.ServerKey,
		TrustedCAFile:     p.CAFile,
		PeerCertFile:      p.ServerCertFile,
		PeerKeyFile:       p.ServerKey,
		PeerTrustedCAFile: p.CAFile,
		ReadyTimeout:      30 * time.Second,
		Logger:            zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel)),
	}
}

func TestTLSSnapshotSaveAndRestore(t *testing.T) {
	g := NewWithT(t)
	p := newTestPKI(t)
	clientTLS := etcd.ClientTLS{CertFile: p.ClientCertFile, KeyFile: p.ClientKey}

	opts := tlsOptions(t, p, filepath.Join(t.TempDir(), "data"))
	s := startServer(t, opts)
	g.Expect(s.ClientURL()).To(Equal(opts.ListenClientURL))

	info, err := os.Stat(opts.DataDir)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o700)), "data dir mode")

	resp, err := http.Get(opts.ListenMetricsURL + "/readyz")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(resp.Body.Close()).To(Succeed())
	g.Expect(resp.StatusCode).To(Equal(http.StatusOK), "metrics URL /readyz")

	cli := newClient(t, opts, clientTLS)
	put(t, cli, "/registry/a", "apple")
	put(t, cli, "/registry/b", "banana")

	snapshotDir := t.TempDir()
	snapshotPath := filepath.Join(snapshotDir, "etcd.db")
	cfg, err := etcd.ClientConfig(opts, clientTLS)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(etcd.SaveSnapshot(t.Context(), cfg, snapshotPath)).To(Succeed())
	entries, err := os.ReadDir(snapshotDir)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(entries).To(HaveLen(1), "only the snapshot is left, no temporary files")
	info, err = os.Stat(snapshotPath)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(info.Size()).To(BeNumerically(">", 0))

	// The key written after the snapshot must not come back.
	put(t, cli, "/registry/c", "cherry")
	g.Expect(cli.Close()).To(Succeed())
	s.Stop()
	s.Stop() // Stop is idempotent.
	g.Eventually(func() bool {
		select {
		case _, ok := <-s.Err():
			return !ok
		default:
			return false
		}
	}).Should(BeTrue(), "Err is closed after Stop")

	restored := tlsOptions(t, p, filepath.Join(t.TempDir(), "restored"))
	g.Expect(etcd.RestoreSnapshot(t.Context(), snapshotPath, restored)).To(Succeed())
	startServer(t, restored)
	cli = newClient(t, restored, clientTLS)
	g.Expect(get(t, cli, "/registry/a")).To(Equal("apple"))
	g.Expect(get(t, cli, "/registry/b")).To(Equal("banana"))
	g.Expect(get(t, cli, "/registry/c")).To(BeEmpty())
}

func TestClientWithoutCertificateIsRejected(t *testing.T) {
	g := NewWithT(t)
	p := newTestPKI(t)
	opts := tlsOptions(t, p, t.TempDir())
	core, observed := observer.New(zapcore.WarnLevel)
	opts.Logger = zap.New(zapcore.NewTee(core, zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel)).Core()))
	startServer(t, opts)

	// The same server accepts a client that presents its certificate ...
	withCert := newClient(t, opts, etcd.ClientTLS{CertFile: p.ClientCertFile, KeyFile: p.ClientKey})
	put(t, withCert, "k", "v")

	// ... and turns away one that trusts the CA but has no certificate to present.
	cfg, err := etcd.ClientConfig(etcd.Options{ListenClientURL: opts.ListenClientURL}, etcd.ClientTLS{CAFile: p.CAFile})
	g.Expect(err).NotTo(HaveOccurred())
	cfg.DialTimeout = 2 * time.Second
	cfg.Logger = zap.NewNop()
	cli, err := clientv3.New(cfg)
	if err == nil {
		defer func() { _ = cli.Close() }()
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		_, err = cli.Get(ctx, "k")
	}
	g.Expect(err).To(HaveOccurred(), "a client without a certificate must not read")
	g.Eventually(func() []observer.LoggedEntry {
		return observed.FilterMessage("rejected connection on client endpoint").All()
	}).Should(
		ContainElement(HaveField("Context", ContainElement(HaveField("Interface", MatchError(ContainSubstring("didn't provide a certificate")))))),
		"the server turned the client away for lacking a certificate")

	// ClientConfig refuses to build such a client for a server that requires one.
	_, err = etcd.ClientConfig(opts, etcd.ClientTLS{})
	g.Expect(err).To(MatchError(ContainSubstring("requires a client certificate")))
}

func TestRestartKeepsData(t *testing.T) {
	g := NewWithT(t)
	opts := plainOptions(t, t.TempDir())

	s, err := etcd.Start(t.Context(), opts)
	g.Expect(err).NotTo(HaveOccurred())
	cli := newClient(t, opts, etcd.ClientTLS{})
	put(t, cli, "kept", "yes")
	g.Expect(cli.Close()).To(Succeed())
	s.Stop()

	startServer(t, opts)
	cli = newClient(t, opts, etcd.ClientTLS{})
	g.Expect(get(t, cli, "kept")).To(Equal("yes"))
}

func TestRestoreSnapshotIntoNonEmptyDirFails(t *testing.T) {
	g := NewWithT(t)
	snapshotPath := filepath.Join(t.TempDir(), "etcd.db")
	g.Expect(os.WriteFile(snapshotPath, []byte("never read"), 0o600)).To(Succeed())
	dataDir := t.TempDir()
	precious := filepath.Join(dataDir, "precious")
	g.Expect(os.WriteFile(precious, []byte("keep me"), 0o600)).To(Succeed())

	err := etcd.RestoreSnapshot(t.Context(), snapshotPath, etcd.Options{DataDir: dataDir, ListenPeerURL: "http://127.0.0.1:2380"})
	g.Expect(err).To(MatchError(etcd.ErrDataDirNotEmpty))
	g.Expect(err).To(MatchError(ContainSubstring(dataDir)))
	g.Expect(err).To(MatchError(ContainSubstring("remove it")))
	g.Expect(os.ReadFile(precious)).To(Equal([]byte("keep me")))
}

func TestRestoreSnapshotNeedsSnapshotAndOptions(t *testing.T) {
	g := NewWithT(t)
	err := etcd.RestoreSnapshot(t.Context(), filepath.Join(t.TempDir(), "missing.db"), etcd.Options{DataDir: t.TempDir(), ListenPeerURL: "http://127.0.0.1:2380"})
	g.Expect(err).To(MatchError(os.ErrNotExist))

	err = etcd.RestoreSnapshot(t.Context(), "whatever.db", etcd.Options{})
	g.Expect(err).To(MatchError(ContainSubstring("--data-dir is required")))
	g.Expect(err).To(MatchError(ContainSubstring("--listen-peer-urls is required")))
}

// TestStartTimesOutWithoutQuorum restores a member of a two-member cluster whose other
// member never comes, so it cannot elect a leader and never becomes ready.
func TestStartTimesOutWithoutQuorum(t *testing.T) {
	g := NewWithT(t)
	source := plainOptions(t, t.TempDir())
	s := startServer(t, source)
	cfg, err := etcd.ClientConfig(source, etcd.ClientTLS{})
	g.Expect(err).NotTo(HaveOccurred())
	snapshotPath := filepath.Join(t.TempDir(), "etcd.db")
	g.Expect(etcd.SaveSnapshot(t.Context(), cfg, snapshotPath)).To(Succeed())
	s.Stop()

	opts := plainOptions(t, filepath.Join(t.TempDir(), "data"))
	absent := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	g.Expect(utlsnapshot.NewV3(opts.Logger).Restore(utlsnapshot.RestoreConfig{
		SnapshotPath:        snapshotPath,
		Name:                etcd.DefaultName,
		OutputDataDir:       opts.DataDir,
		PeerURLs:            []string{opts.ListenPeerURL},
		InitialCluster:      etcd.DefaultName + "=" + opts.ListenPeerURL + ",absent=" + absent,
		InitialClusterToken: "etcd-cluster",
	})).To(Succeed())

	opts.ReadyTimeout = 2 * time.Second
	_, err = etcd.Start(t.Context(), opts)
	g.Expect(err).To(MatchError(ContainSubstring("did not become ready within the ready timeout of 2s")))

	// Start closed the server it gave up on: its client port is free again.
	l, err := net.Listen("tcp", hostPort(t, opts.ListenClientURL))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(l.Close()).To(Succeed())
}

func TestStartReportsBusyClientPort(t *testing.T) {
	g := NewWithT(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	g.Expect(err).NotTo(HaveOccurred())
	defer func() { _ = l.Close() }()
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)

	opts := plainOptions(t, t.TempDir())
	opts.ListenClientURL = "http://127.0.0.1:" + port
	_, err = etcd.Start(t.Context(), opts)
	g.Expect(err).To(MatchError(ContainSubstring("127.0.0.1:" + port)))
	g.Expect(err).To(MatchError(ContainSubstring("address already in use")))
}

func TestStartRejectsInvalidOptions(t *testing.T) {
	_, err := etcd.Start(t.Context(), etcd.Options{})
	NewWithT(t).Expect(err).To(MatchError(ContainSubstring("--data-dir is required")))
}

func TestRunStopsWhenContextIsDone(t *testing.T) {
	g := NewWithT(t)
	opts := plainOptions(t, t.TempDir())
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- etcd.Run(ctx, opts) }()

	cli := newClient(t, opts, etcd.ClientTLS{})
	g.Eventually(func() error {
		rctx, rcancel := context.WithTimeout(ctx, time.Second)
		defer rcancel()
		_, err := cli.Put(rctx, "k", "v")
		return err
	}).WithTimeout(30 * time.Second).Should(Succeed())

	cancel()
	g.Eventually(done).WithTimeout(30 * time.Second).Should(Receive(BeNil()))
}

func hostPort(t *testing.T, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	return u.Host
}

func TestRestoreSnapshotWithRevisionBump(t *testing.T) {
	g := NewWithT(t)
	source := plainOptions(t, t.TempDir())
	s := startServer(t, source)
	cli := newClient(t, source, etcd.ClientTLS{})
	put(t, cli, "k", "v1")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, "k")
	g.Expect(err).NotTo(HaveOccurred())
	snapshotRev := resp.Header.Revision
	cfg, err := etcd.ClientConfig(source, etcd.ClientTLS{})
	g.Expect(err).NotTo(HaveOccurred())
	snapshotPath := filepath.Join(t.TempDir(), "etcd.db")
	g.Expect(etcd.SaveSnapshot(t.Context(), cfg, snapshotPath)).To(Succeed())
	// Writes after the snapshot are lost by the restore, but clients saw their revisions.
	put(t, cli, "k", "v2")
	put(t, cli, "k", "v3")
	g.Expect(cli.Close()).To(Succeed())
	s.Stop()

	const bump = 1000
	restored := plainOptions(t, filepath.Join(t.TempDir(), "restored"))
	g.Expect(etcd.RestoreSnapshotWithRevisionBump(t.Context(), snapshotPath, restored, bump)).To(Succeed())
	startServer(t, restored)
	cli = newClient(t, restored, etcd.ClientTLS{})
	g.Expect(get(t, cli, "k")).To(Equal("v1"))
	resp, err = cli.Get(ctx, "k")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(resp.Header.Revision).To(BeNumerically(">=", snapshotRev+bump), "revisions never go backwards")

	// A watcher that resumes from a revision it saw before the restore is told to list
	// again instead of silently missing changes.
	wch := cli.Watch(ctx, "k", clientv3.WithRev(snapshotRev+1))
	var wresp clientv3.WatchResponse
	g.Eventually(wch).WithTimeout(10 * time.Second).Should(Receive(&wresp))
	g.Expect(wresp.CompactRevision).To(BeNumerically(">=", snapshotRev+bump))
	g.Expect(wresp.Err()).To(MatchError(ContainSubstring("compacted")))
}
