package etcdcmd_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/cli/etcdcmd"
)

// lockedBuffer is a bytes.Buffer that etcd's goroutines may write to while a test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runHortus runs the command tree in-process and returns its stdout and stderr.
func runHortus(ctx context.Context, args ...string) (stdout, stderr string, err error) {
	var out, errOut lockedBuffer
	root := etcdcmd.NewRoot("hortus-etcd")
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err = root.ExecuteContext(ctx)
	return out.String(), errOut.String(), err
}

func loopbackURL(t *testing.T, scheme string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	defer func() { _ = l.Close() }()
	return fmt.Sprintf("%s://%s", scheme, l.Addr())
}

func TestEtcdCommandHelp(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{
			name: "etcd",
			args: []string{"etcd", "--help"},
			want: []string{
				"--name", "--data-dir", "--listen-client-urls", "--listen-peer-urls", "--listen-metrics-urls",
				"--cert-file", "--key-file", "--trusted-ca-file",
				"--peer-cert-file", "--peer-key-file", "--peer-trusted-ca-file",
				"--quota-backend-bytes", "--snapshot-count", "--auto-compaction-retention", "--ready-timeout", "--log-level",
				"http://127.0.0.1:2379", "SIGTERM", "Examples:", "hortus etcd snapshot save", "snapshot",
				"--restore-from-dir", "--restore-snapshot", "backup",
			},
		},
		{
			name: "backup",
			args: []string{"etcd", "backup", "--help"},
			want: []string{
				"--endpoint", "--cacert", "--cert", "--key", "--store-dir", "--schedule", "--keep", "--snapshot-timeout",
				"--listen-address", "--port", "--tls-cert-file", "--tls-key-file", "--client-ca-file",
				"POST /snapshots", "GET  /healthz", `default "0 0 * * *"`, "(default 7)", "Examples:",
			},
		},
		{
			name: "snapshot list",
			args: []string{"etcd", "snapshot", "list", "--help"},
			want: []string{"--store-dir", "--output", "oldest first"},
		},
		{
			name: "snapshot save",
			args: []string{"etcd", "snapshot", "save", "--help"},
			want: []string{"save PATH", "--endpoints", "--cacert", "--cert", "--key", "--command-timeout", "--log-level"},
		},
		{
			name: "snapshot restore",
			args: []string{"etcd", "snapshot", "restore", "--help"},
			want: []string{"restore (PATH | --store-dir DIR [NAME])", "--data-dir", "--name", "--listen-peer-urls", "--store-dir", "--bump-revision", "never overwrites"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			stdout, _, err := runHortus(t.Context(), tt.args...)
			g.Expect(err).NotTo(HaveOccurred())
			for _, want := range tt.want {
				g.Expect(stdout).To(ContainSubstring(want))
			}
		})
	}
}

func TestEtcdCommandRejectsInvalidFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "no data dir", args: []string{"etcd"}, wantErr: "--data-dir is required"},
		{name: "bad log level", args: []string{"etcd", "--data-dir", "x", "--log-level", "loud"}, wantErr: "--log-level"},
		{name: "https without certificate", args: []string{"etcd", "--data-dir", "x", "--listen-client-urls", "https://127.0.0.1:2379"}, wantErr: "--cert-file"},
		{name: "stray argument", args: []string{"etcd", "--data-dir", "x", "extra"}, wantErr: "extra"},
		{name: "save without path", args: []string{"etcd", "snapshot", "save"}, wantErr: "accepts 1 arg"},
		{name: "restore without data dir", args: []string{"etcd", "snapshot", "restore", "backup.db"}, wantErr: "--data-dir is required"},
		{name: "restore without path", args: []string{"etcd", "snapshot", "restore", "--data-dir", "x"}, wantErr: "give the snapshot file PATH, or --store-dir"},
		{name: "restore from store with two names", args: []string{"etcd", "snapshot", "restore", "--store-dir", "s", "a", "b"}, wantErr: "at most one snapshot NAME"},
		{name: "restore from store with bump", args: []string{"etcd", "snapshot", "restore", "--store-dir", "s", "--bump-revision", "5"}, wantErr: "always bumps"},
		{name: "list without store", args: []string{"etcd", "snapshot", "list"}, wantErr: "--store-dir is required"},
		{name: "restore snapshot without store", args: []string{"etcd", "--data-dir", "x", "--restore-snapshot", "full-20261129T024105.123456789Z.db"}, wantErr: "needs --restore-from-dir"},
		{name: "restore snapshot invalid", args: []string{"etcd", "--data-dir", "x", "--restore-from-dir", "s", "--restore-snapshot", "../x.db"}, wantErr: "without a path"},
		{name: "backup without anything", args: []string{"etcd", "backup"}, wantErr: "--store-dir is required"},
		{name: "backup without port", args: []string{"etcd", "backup", "--store-dir", "s"}, wantErr: "--port must be between 1 and 65535"},
		{name: "backup bad schedule", args: []string{"etcd", "backup", "--schedule", "daily"}, wantErr: `--schedule: schedule "daily"`},
		{name: "backup bad keep", args: []string{"etcd", "backup", "--keep", "0"}, wantErr: "--keep must be at least 1"},
		{name: "backup bad address", args: []string{"etcd", "backup", "--listen-address", "example.com"}, wantErr: "must be an IP address"},
		{name: "backup TLS to http endpoint", args: []string{"etcd", "backup", "--cert", "c.crt", "--key", "c.key"}, wantErr: "uses http, but client TLS files are set"},
		{name: "backup without serving certificate", args: []string{"etcd", "backup"}, wantErr: "--tls-cert-file is required"},
		{name: "backup missing files", args: []string{"etcd", "backup", "--store-dir", "s", "--port", "1", "--tls-cert-file", "/nonexistent/a", "--tls-key-file", "/nonexistent/b", "--client-ca-file", "/nonexistent/c"}, wantErr: "--client-ca-file: open /nonexistent/c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runHortus(t.Context(), tt.args...)
			NewWithT(t).Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
		})
	}
}

func TestEtcdCommandServesSnapshotsAndStops(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	clientURL := loopbackURL(t, "http")
	peerURL := loopbackURL(t, "http")
	metricsURL := loopbackURL(t, "http")

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	type result struct {
		stderr string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		_, stderr, err := runHortus(ctx, "etcd",
			"--data-dir", filepath.Join(dir, "data"),
			"--listen-client-urls", clientURL,
			"--listen-peer-urls", peerURL,
			"--listen-metrics-urls", metricsURL,
			"--ready-timeout", "30s",
			"--log-level", "warn",
		)
		done <- result{stderr, err}
	}()

	g.Eventually(func() (int, error) {
		resp, err := http.Get(metricsURL + "/readyz")
		if err != nil {
			return 0, err
		}
		return resp.StatusCode, resp.Body.Close()
	}).WithTimeout(60*time.Second).WithPolling(200*time.Millisecond).Should(Equal(http.StatusOK), "etcd serves /readyz")

	snapshot := filepath.Join(dir, "backup.db")
	_, stderr, err := runHortus(t.Context(), "etcd", "snapshot", "save", snapshot, "--endpoints", clientURL)
	g.Expect(err).NotTo(HaveOccurred(), stderr)
	g.Expect(stderr).To(ContainSubstring(`"msg":"Saved etcd snapshot"`))
	g.Expect(snapshot).To(BeARegularFile())

	cancel()
	var res result
	g.Eventually(done).WithTimeout(30 * time.Second).Should(Receive(&res))
	g.Expect(res.err).NotTo(HaveOccurred(), res.stderr)
	_, err = http.Get(metricsURL + "/readyz")
	g.Expect(err).To(HaveOccurred(), "etcd stopped serving")

	restored := filepath.Join(dir, "restored")
	_, stderr, err = runHortus(t.Context(), "etcd", "snapshot", "restore", snapshot, "--data-dir", restored, "--log-level", "warn")
	g.Expect(err).NotTo(HaveOccurred(), stderr)
	g.Expect(filepath.Join(restored, "member", "snap", "db")).To(BeARegularFile())
	info, err := os.Stat(restored)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o700)))

	_, _, err = runHortus(t.Context(), "etcd", "snapshot", "restore", snapshot, "--data-dir", restored)
	g.Expect(err).To(MatchError(ContainSubstring("not empty")))
	g.Expect(strings.Count(err.Error(), restored)).To(BeNumerically(">=", 1))
}
