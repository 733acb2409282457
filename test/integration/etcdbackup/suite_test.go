// Package etcdbackup_test runs etcd and its backup sidecar as the etcd component
// describes them, as processes of bin/hortus-etcd, with a real kube-apiserver on top:
// snapshots on request and on a schedule, and the restore of an emptied etcd from them.
package etcdbackup_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"k8s.io/client-go/kubernetes"

	"github.com/hortus-dev/hortus/pkg/component"
	etcdcomponent "github.com/hortus-dev/hortus/pkg/component/etcd"
	"github.com/hortus-dev/hortus/pkg/component/kubeapiserver"
	"github.com/hortus-dev/hortus/pkg/etcdbackup"
	"github.com/hortus-dev/hortus/pkg/executor/process"
	"github.com/hortus-dev/hortus/pkg/localcluster"
	"github.com/hortus-dev/hortus/pkg/pki"
	"github.com/hortus-dev/hortus/pkg/ports"
	"github.com/hortus-dev/hortus/test/testenv"
)

func TestEtcdBackup(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Etcd Backup Integration Suite")
}

const (
	// etcdSetName holds etcd and its backup sidecar; kasSetName the kube-apiserver, in
	// a set of its own as the gardenlet deploys a shoot's control plane, so that etcd can
	// be deleted and restored under a running kube-apiserver.
	etcdSetName = "etcd"
	kasSetName  = "kube-apiserver"
)

var (
	stateDir string
	executor *process.Executor
	portsAll *ports.Allocator
	cluster  *localcluster.Cluster
	// etcdCfg describes etcd with backups; etcdSet is its set.
	etcdCfg etcdcomponent.Config
	admin   kubernetes.Interface
	backup  *etcdbackup.Client
	etcdCli *clientv3.Client
)

var _ = BeforeSuite(func(ctx context.Context) {
	SetDefaultEventuallyTimeout(time.Minute)
	SetDefaultEventuallyPollingInterval(200 * time.Millisecond)
	EnforceDefaultTimeoutsWhenUsingContexts()

	binDir, err := findBinDir()
	Expect(err).NotTo(HaveOccurred())
	stateDir, err = os.MkdirTemp("", "hortus-etcdbackup-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Expect(os.RemoveAll(stateDir)).To(Succeed()) })

	executor, err = process.New(process.Options{
		StateDir:        filepath.Join(stateDir, "components"),
		BinDirs:         []string{binDir},
		Logger:          GinkgoLogr,
		StopGracePeriod: 10 * time.Second,
	})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Expect(executor.Close()).To(Succeed()) })
	portsAll = ports.New(filepath.Join(stateDir, "ports.json"))
	DeferCleanup(func() { Expect(portsAll.Forget()).To(Succeed()) }) // the index entry goes with the state directory
	cluster, err = localcluster.Build(localcluster.Options{Name: "etcdbackup", PKIDir: filepath.Join(stateDir, "pki"), Ports: portsAll})
	Expect(err).NotTo(HaveOccurred())

	// The cluster's etcd, described again with backups.
	var etcdComp, kas component.Component
	for _, c := range cluster.Set.Components {
		switch c.Name {
		case etcdcomponent.DefaultName:
			etcdComp = c
		case kubeapiserver.DefaultName:
			kas = c
		}
	}
	Expect(etcdComp.Name).NotTo(BeEmpty(), "localcluster describes etcd")
	Expect(kas.Name).NotTo(BeEmpty(), "localcluster describes the kube-apiserver")
	server, err := cluster.EtcdCA.Issue(pki.CertConfig{
		CommonName:  "etcd",
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		Server:      true,
		Client:      true,
	})
	Expect(err).NotTo(HaveOccurred())
	p, err := portsAll.Allocate("etcdbackup-sidecar", "backup")
	Expect(err).NotTo(HaveOccurred())
	etcdCfg = etcdcomponent.Config{
		ClientPort:    etcdComp.Port("client"),
		PeerPort:      etcdComp.Port("peer"),
		MetricsPort:   etcdComp.Port("metrics"),
		CAPEM:         cluster.EtcdCA.CertPEM,
		ServerCertPEM: server.CertPEM,
		ServerKeyPEM:  server.KeyPEM,
		Backup: &etcdcomponent.BackupConfig{
			StoreDir:      filepath.Join(stateDir, "backups", "etcd"),
			Port:          p["backup"],
			ClientCertPEM: cluster.EtcdClient.CertPEM,
			ClientKeyPEM:  cluster.EtcdClient.KeyPEM,
		},
	}
	Expect(etcdCfg.ClientURL()).To(Equal(cluster.EtcdURL))

	DeferCleanup(func(ctx context.Context) {
		Expect(executor.Delete(ctx, kasSetName)).To(Succeed())
		Expect(executor.Delete(ctx, etcdSetName)).To(Succeed())
	})
	deploy(ctx, etcdSet(etcdCfg))
	kas.DependsOn = nil // etcd is in another set, ready already
	deploy(ctx, component.Set{Name: kasSetName, Components: []component.Component{kas}})

	admin, err = kubernetes.NewForConfig(cluster.Admin)
	Expect(err).NotTo(HaveOccurred())
	// The gardenlet's view: the kube-apiserver's etcd client certificate.
	backup, err = etcdbackup.NewClient(etcdCfg.BackupURL(), cluster.EtcdCA.CertPEM, cluster.EtcdClient.CertPEM, cluster.EtcdClient.KeyPEM)
	Expect(err).NotTo(HaveOccurred())
	etcdCli = newEtcdClient()
	DeferCleanup(etcdCli.Close)
}, NodeTimeout(4*time.Minute))

// etcdSet is etcd and its backup sidecar, which starts once etcd is ready.
func etcdSet(cfg etcdcomponent.Config) component.Set {
	sidecar := etcdcomponent.BuildBackup(cfg)
	sidecar.DependsOn = []string{etcdcomponent.DefaultName}
	return component.Set{Name: etcdSetName, Components: []component.Component{etcdcomponent.Build(cfg), sidecar}}
}

// deploy deploys set and fails with the tails of its logs when that fails.
func deploy(ctx context.Context, set component.Set) {
	GinkgoHelper()
	if err := executor.Deploy(ctx, set); err != nil {
		Fail(fmt.Sprintf("deploying %s: %v\n%s", set.Name, err, logTails(ctx, set.Name)))
	}
}

// logTails returns the last lines of the components' logs of set.
func logTails(ctx context.Context, set string) string {
	st, err := executor.Status(ctx, set)
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, s := range st {
		data, err := os.ReadFile(s.LogPath)
		if err != nil {
			fmt.Fprintf(&b, "%s: %v\n", s.Name, err)
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		fmt.Fprintf(&b, "--- %s (%s)\n%s\n", s.Name, s.Phase, strings.Join(lines[max(0, len(lines)-20):], "\n"))
	}
	return b.String()
}

// componentLog returns the log of one component of a set.
func componentLog(ctx context.Context, set, name string) string {
	GinkgoHelper()
	st, err := executor.Status(ctx, set)
	Expect(err).NotTo(HaveOccurred())
	for _, s := range st {
		if s.Name == name {
			data, err := os.ReadFile(s.LogPath)
			Expect(err).NotTo(HaveOccurred())
			return string(data)
		}
	}
	Fail(fmt.Sprintf("set %s has no component %s", set, name))
	return ""
}

// newEtcdClient reaches etcd with the kube-apiserver's client certificate.
func newEtcdClient() *clientv3.Client {
	GinkgoHelper()
	cert, err := tls.X509KeyPair(cluster.EtcdClient.CertPEM, cluster.EtcdClient.KeyPEM)
	Expect(err).NotTo(HaveOccurred())
	roots := x509.NewCertPool()
	Expect(roots.AppendCertsFromPEM(cluster.EtcdCA.CertPEM)).To(BeTrue())
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{cluster.EtcdURL},
		DialTimeout: 5 * time.Second,
		TLS:         &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		Logger:      zap.NewNop(),
	})
	Expect(err).NotTo(HaveOccurred())
	return cli
}

// findBinDir returns the directory with hortus-etcd and kube-apiserver.
func findBinDir() (string, error) {
	dir := os.Getenv("HORTUS_BIN_DIR")
	if dir == "" {
		root, err := testenv.RepoRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "bin")
	}
	var missing []string
	for _, b := range []string{"hortus-etcd", "kube-apiserver"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			missing = append(missing, b)
		}
	}
	if len(missing) > 0 {
		return "", errors.New(strings.Join(missing, " and ") + " missing in " + dir + ": run 'make build kube' first")
	}
	return dir, nil
}
