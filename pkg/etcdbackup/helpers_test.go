package etcdbackup_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	. "github.com/onsi/gomega"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/hortus-dev/hortus/pkg/etcd"
	"github.com/hortus-dev/hortus/pkg/pki"
)

// testPKI is an etcd CA with a serving and a client certificate, as PEM and as files.
type testPKI struct {
	Dir            string
	CA             *pki.CertKeyPair
	Server, Client *pki.CertKeyPair
	CAFile         string
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	g := NewWithT(t)
	ca, err := pki.NewCA("etcd-test-ca", time.Hour)
	g.Expect(err).NotTo(HaveOccurred())
	server, err := ca.Issue(pki.CertConfig{
		CommonName:  "etcd",
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		Server:      true,
		Client:      true,
	})
	g.Expect(err).NotTo(HaveOccurred())
	client, err := ca.Issue(pki.CertConfig{CommonName: "etcd-backup", Client: true})
	g.Expect(err).NotTo(HaveOccurred())
	p := testPKI{Dir: t.TempDir(), CA: ca, Server: server, Client: client}
	p.CAFile = filepath.Join(p.Dir, "ca.crt")
	g.Expect(os.WriteFile(p.CAFile, ca.CertPEM, 0o600)).To(Succeed())
	g.Expect(pki.WritePair(p.Dir, "server", server)).To(Succeed())
	g.Expect(pki.WritePair(p.Dir, "client", client)).To(Succeed())
	return p
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		NewWithT(t).Expect(err).NotTo(HaveOccurred())
		defer func() { _ = l.Close() }()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// etcdOptions are options for an etcd with client TLS on free loopback ports.
func etcdOptions(t *testing.T, p testPKI, dataDir string) etcd.Options {
	t.Helper()
	ports := freePorts(t, 2)
	return etcd.Options{
		Name:            "backup-test",
		DataDir:         dataDir,
		ListenClientURL: fmt.Sprintf("https://127.0.0.1:%d", ports[0]),
		ListenPeerURL:   fmt.Sprintf("http://127.0.0.1:%d", ports[1]),
		CertFile:        pki.CertPath(p.Dir, "server"),
		KeyFile:         pki.KeyPath(p.Dir, "server"),
		TrustedCAFile:   p.CAFile,
		ReadyTimeout:    30 * time.Second,
		Logger:          zaptest.NewLogger(t, zaptest.Level(zapcore.WarnLevel)),
	}
}

// startEtcd starts etcd and stops it when the test ends.
func startEtcd(t *testing.T, o etcd.Options) *etcd.Server {
	t.Helper()
	s, err := etcd.Start(t.Context(), o)
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	t.Cleanup(s.Stop)
	return s
}

// clientConfig reaches the etcd of o with the client certificate.
func clientConfig(t *testing.T, p testPKI, o etcd.Options) clientv3.Config {
	t.Helper()
	cfg, err := etcd.ClientConfig(o, etcd.ClientTLS{CertFile: pki.CertPath(p.Dir, "client"), KeyFile: pki.KeyPath(p.Dir, "client")})
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	cfg.Logger = zaptest.NewLogger(t, zaptest.Level(zapcore.ErrorLevel))
	return cfg
}

func newEtcdClient(t *testing.T, cfg clientv3.Config) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(cfg)
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}

func put(t *testing.T, cli *clientv3.Client, key, value string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	resp, err := cli.Put(ctx, key, value)
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	return resp.Header.Revision
}

// get returns the value of key, "" when it is missing, and the store's revision.
func get(t *testing.T, cli *clientv3.Client, key string) (string, int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, key)
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	if len(resp.Kvs) == 0 {
		return "", resp.Header.Revision
	}
	return string(resp.Kvs[0].Value), resp.Header.Revision
}

// touch creates a file with some content.
func touch(t *testing.T, path string) {
	t.Helper()
	NewWithT(t).Expect(os.WriteFile(path, []byte("x"), 0o600)).To(Succeed())
}

// logLines collects log lines, safe for concurrent use.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) logger() logr.Logger {
	return funcr.New(func(prefix, args string) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.lines = append(l.lines, prefix+" "+args)
	}, funcr.Options{Verbosity: 0})
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}
