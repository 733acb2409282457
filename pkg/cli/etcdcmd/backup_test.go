package etcdcmd_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/hortus-dev/hortus/pkg/etcdbackup"
	"github.com/hortus-dev/hortus/pkg/pki"
)

// runEtcd runs "etcd" with args in the background until the test ends, and waits until
// it is ready. The returned function stops it and returns its stderr.
func runEtcd(t *testing.T, metricsURL string, args ...string) (stop func() string) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	type result struct {
		stderr string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		_, stderr, err := runHortus(ctx, append([]string{"etcd", "--listen-metrics-urls", metricsURL, "--ready-timeout", "30s"}, args...)...)
		done <- result{stderr, err}
	}()
	var res *result
	stop = func() string {
		if res == nil {
			cancel()
			r := <-done
			res = &r
			NewWithT(t).Expect(res.err).NotTo(HaveOccurred(), res.stderr)
		}
		return res.stderr
	}
	t.Cleanup(func() { stop() })
	NewWithT(t).Eventually(func() (int, error) {
		select {
		case r := <-done:
			res = &r
			return 0, StopTrying("etcd exited: " + r.stderr)
		default:
		}
		resp, err := http.Get(metricsURL + "/readyz")
		if err != nil {
			return 0, err
		}
		return resp.StatusCode, resp.Body.Close()
	}).WithTimeout(60*time.Second).WithPolling(100*time.Millisecond).Should(Equal(http.StatusOK), "etcd serves /readyz")
	return stop
}

func etcdClient(t *testing.T, clientURL string) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{clientURL}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}

func TestEtcdCommandRestoresFromDir(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	clientURL, peerURL := loopbackURL(t, "http"), loopbackURL(t, "http")
	common := []string{"--listen-client-urls", clientURL, "--listen-peer-urls", peerURL, "--restore-from-dir", store}

	// An empty store starts an empty etcd.
	stop := runEtcd(t, loopbackURL(t, "http"), append([]string{"--data-dir", filepath.Join(dir, "first")}, common...)...)
	cli := etcdClient(t, clientURL)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, err := cli.Put(ctx, "k", "v1")
	g.Expect(err).NotTo(HaveOccurred())
	snapshot := filepath.Join(store, "full-20261129T000000.000000000Z.db")
	g.Expect(os.MkdirAll(store, 0o700)).To(Succeed())
	_, stderr, err := runHortus(t.Context(), "etcd", "snapshot", "save", snapshot, "--endpoints", clientURL)
	g.Expect(err).NotTo(HaveOccurred(), stderr)
	resp, err := cli.Put(ctx, "k", "v2")
	g.Expect(err).NotTo(HaveOccurred())
	lastRev := resp.Header.Revision
	g.Expect(stop()).To(ContainSubstring("Store holds no snapshot to restore, so etcd starts with an empty data dir"))

	// The data dir holds data: the store is not used.
	stop = runEtcd(t, loopbackURL(t, "http"), append([]string{"--data-dir", filepath.Join(dir, "first")}, common...)...)
	got, err := cli.Get(ctx, "k")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(got.Kvs[0].Value)).To(Equal("v2"))
	g.Expect(stop()).To(ContainSubstring("Data dir holds data, so no snapshot is restored"))

	// A name that is not in the store fails and says what is there.
	_, stderr, err = runHortus(t.Context(), append([]string{"etcd", "--data-dir", filepath.Join(dir, "second"), "--restore-snapshot", "full-20000101T000000.000000000Z.db"}, common...)...)
	g.Expect(err).To(MatchError(ContainSubstring("--restore-from-dir")), stderr)
	g.Expect(err).To(MatchError(ContainSubstring("full-20261129T000000.000000000Z.db")))
	g.Expect(filepath.Join(dir, "second")).NotTo(BeADirectory())

	// An empty data dir is restored from the newest snapshot, with a higher revision.
	stop = runEtcd(t, loopbackURL(t, "http"), append([]string{"--data-dir", filepath.Join(dir, "second")}, common...)...)
	got, err = cli.Get(ctx, "k")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(got.Kvs[0].Value)).To(Equal("v1"))
	g.Expect(got.Header.Revision).To(BeNumerically(">", lastRev))
	g.Expect(stop()).To(ContainSubstring(`"msg":"Restored data dir from snapshot","dataDir":"` + filepath.Join(dir, "second")))

	// The store can be listed and restored from by hand.
	stdout, _, err := runHortus(t.Context(), "etcd", "snapshot", "list", "--store-dir", store, "-o", "json")
	g.Expect(err).NotTo(HaveOccurred())
	var list []etcdbackup.Snapshot
	g.Expect(json.Unmarshal([]byte(stdout), &list)).To(Succeed())
	g.Expect(list).To(HaveLen(1))
	g.Expect(list[0].Name).To(Equal(filepath.Base(snapshot)))
	stdout, _, err = runHortus(t.Context(), "etcd", "snapshot", "list", "--store-dir", store)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(stdout).To(MatchRegexp(`NAME +TIME +SIZE\nfull-20261129T000000.000000000Z.db +2026-11-29T00:00:00Z +\d+\n`))
	stdout, stderr, err = runHortus(t.Context(), "etcd", "snapshot", "restore", "--store-dir", store, "--data-dir", filepath.Join(dir, "third"), "--log-level", "warn")
	g.Expect(err).NotTo(HaveOccurred(), stderr)
	g.Expect(stdout).To(ContainSubstring("Restored full-20261129T000000.000000000Z.db (taken 2026-11-29T00:00:00Z) into " + filepath.Join(dir, "third")))
	g.Expect(filepath.Join(dir, "third", "member", "snap", "db")).To(BeARegularFile())
}

func TestEtcdBackupCommand(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	clientURL := loopbackURL(t, "http")
	runEtcd(t, loopbackURL(t, "http"), "--data-dir", filepath.Join(dir, "data"), "--listen-client-urls", clientURL, "--listen-peer-urls", loopbackURL(t, "http"))

	ca, err := pki.NewCA("backup-test", time.Hour)
	g.Expect(err).NotTo(HaveOccurred())
	serving, err := ca.Issue(pki.CertConfig{CommonName: "etcd-backup", IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, Server: true})
	g.Expect(err).NotTo(HaveOccurred())
	client, err := ca.Issue(pki.CertConfig{CommonName: "gardenlet", Client: true})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(pki.WritePair(dir, "serving", serving)).To(Succeed())
	caFile := filepath.Join(dir, "ca.crt")
	g.Expect(os.WriteFile(caFile, ca.CertPEM, 0o600)).To(Succeed())

	l, err := net.Listen("tcp", "127.0.0.1:0")
	g.Expect(err).NotTo(HaveOccurred())
	port := l.Addr().(*net.TCPAddr).Port
	g.Expect(l.Close()).To(Succeed())
	store := filepath.Join(dir, "store")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	type result struct {
		stderr string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		_, stderr, err := runHortus(ctx, "etcd", "backup", "--endpoint", clientURL, "--store-dir", store, "--keep", "2",
			"--port", strconv.Itoa(port), "--tls-cert-file", pki.CertPath(dir, "serving"), "--tls-key-file", pki.KeyPath(dir, "serving"),
			"--client-ca-file", caFile)
		done <- result{stderr, err}
	}()

	c, err := etcdbackup.NewClient("https://127.0.0.1:"+strconv.Itoa(port), ca.CertPEM, client.CertPEM, client.KeyPEM)
	g.Expect(err).NotTo(HaveOccurred())
	g.Eventually(func() error { return c.Healthy(ctx) }).WithTimeout(30 * time.Second).Should(Succeed())
	// The empty store got a snapshot at start.
	g.Eventually(func() ([]etcdbackup.Snapshot, error) { return c.List(ctx) }).Should(HaveLen(1))
	for range 2 {
		snap, err := c.TakeSnapshot(ctx)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(filepath.Join(store, snap.Name)).To(BeARegularFile())
	}
	list, err := c.List(ctx)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(list).To(HaveLen(2), "--keep 2")

	cancel()
	var res result
	g.Eventually(done).WithTimeout(30 * time.Second).Should(Receive(&res))
	g.Expect(res.err).NotTo(HaveOccurred(), res.stderr)
	g.Expect(res.stderr).To(ContainSubstring(`"msg":"Took an etcd snapshot","trigger":"startup"`))
	g.Expect(res.stderr).To(ContainSubstring(`"msg":"Took an etcd snapshot","trigger":"request"`))
	g.Expect(res.stderr).To(ContainSubstring(`"msg":"Pruned an etcd snapshot"`))
}
