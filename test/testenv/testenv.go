package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"

	"github.com/hortus-dev/hortus/pkg/component"
	etcdcomponent "github.com/hortus-dev/hortus/pkg/component/etcd"
	"github.com/hortus-dev/hortus/pkg/component/kubeapiserver"
	"github.com/hortus-dev/hortus/pkg/executor/process"
	"github.com/hortus-dev/hortus/pkg/pki"
	"github.com/hortus-dev/hortus/pkg/ports"
)

// SetName is the executor set that holds the environment's components.
const SetName = "testenv"

// ServiceClusterIPRange is the Service CIDR of the test cluster.
const ServiceClusterIPRange = "10.0.0.0/24"

// Options configure Start.
type Options struct {
	// Dir holds all state: PKI, etcd data, logs. When empty a temporary directory is
	// used and removed by Stop.
	Dir string
	// BinDir holds hortus and kube-apiserver. When empty, $HORTUS_BIN_DIR, else bin/ at
	// the root of the Hortus repository that contains the working directory.
	BinDir string
	// Logger receives the executor's logs; discarded when unset.
	Logger logr.Logger
	// WithGardenAPI also starts the Hortus API server behind the kube-apiserver (see
	// Environment.StartGardenAPI).
	WithGardenAPI bool
}

// Environment is a running test cluster. Its fields are set by Start and read-only after.
type Environment struct {
	// Dir is the state directory.
	Dir string
	// BinDir is where the binaries were found.
	BinDir string
	// Config is an admin (system:masters) client configuration.
	Config *rest.Config
	// KubeconfigPath is a kubeconfig file with the admin credentials, for kubectl.
	KubeconfigPath string
	// CA signs the kube-apiserver's serving certificate.
	CA *pki.CertKeyPair
	// ClientCA signs client certificates that the kube-apiserver accepts.
	ClientCA *pki.CertKeyPair
	// FrontProxyCA signs the front-proxy client certificate that aggregated API servers
	// trust (requestheader authentication).
	FrontProxyCA *pki.CertKeyPair
	// EtcdCA signs etcd's certificates; EtcdClient may be used by further API servers.
	EtcdCA     *pki.CertKeyPair
	EtcdClient *pki.CertKeyPair
	// EtcdURL is the client URL of etcd.
	EtcdURL string
	// Executor runs the components; suites may deploy more sets with it.
	Executor *process.Executor
	// Ports hands out loopback ports for further components.
	Ports *ports.Allocator
	// GardenAPIURL is the direct URL of the Hortus API server once StartGardenAPI ran;
	// clients normally reach it through the kube-apiserver (Config).
	GardenAPIURL string

	// set is the deployed set: etcd, kube-apiserver and, after StartGardenAPI, the Hortus
	// API server.
	set    component.Set
	ownDir bool
}

// Start brings up etcd and kube-apiserver and returns once the kube-apiserver is ready.
func Start(ctx context.Context, o Options) (*Environment, error) {
	e := &Environment{Dir: o.Dir}
	if e.Dir == "" {
		dir, err := os.MkdirTemp("", "hortus-testenv-")
		if err != nil {
			return nil, fmt.Errorf("creating the state dir: %w", err)
		}
		e.Dir, e.ownDir = dir, true
	}
	binDir, err := findBinDir(o.BinDir)
	if err != nil {
		return nil, e.cleanup(err)
	}
	e.BinDir = binDir
	log := o.Logger
	if log.GetSink() == nil {
		log = logr.Discard()
	}
	e.Ports = ports.New(filepath.Join(e.Dir, "ports.json"))
	e.Executor, err = process.New(process.Options{
		StateDir:        filepath.Join(e.Dir, "components"),
		BinDirs:         []string{binDir},
		Logger:          log,
		StopGracePeriod: 10 * time.Second,
	})
	if err != nil {
		return nil, e.cleanup(fmt.Errorf("creating the process executor: %w", err))
	}
	set, err := e.build()
	if err != nil {
		return nil, e.cleanup(err)
	}
	if err := e.Executor.Deploy(ctx, set); err != nil {
		return nil, e.cleanup(fmt.Errorf("starting etcd and kube-apiserver: %w", err))
	}
	e.set = set
	if o.WithGardenAPI {
		if err := e.StartGardenAPI(ctx); err != nil {
			return nil, e.cleanup(err)
		}
	}
	return e, nil
}

// build creates the PKI and describes etcd and kube-apiserver.
func (e *Environment) build() (component.Set, error) {
	pkiDir := filepath.Join(e.Dir, "pki")
	var err error
	cas := []struct {
		dst  **pki.CertKeyPair
		name string
	}{
		{&e.CA, "ca"}, {&e.ClientCA, "client-ca"}, {&e.FrontProxyCA, "front-proxy-ca"}, {&e.EtcdCA, "etcd-ca"},
	}
	for _, ca := range cas {
		if *ca.dst, err = pki.LoadOrCreateCA(pkiDir, ca.name, "hortus-testenv-"+ca.name, 24*time.Hour); err != nil {
			return component.Set{}, fmt.Errorf("creating CA %s: %w", ca.name, err)
		}
	}
	p, err := e.Ports.Allocate(SetName, "etcd-client", "etcd-peer", "etcd-metrics", "kube-apiserver")
	if err != nil {
		return component.Set{}, fmt.Errorf("allocating ports: %w", err)
	}
	loopback := []net.IP{net.ParseIP("127.0.0.1")}
	etcdServer, err := e.EtcdCA.Issue(pki.CertConfig{CommonName: "etcd", DNSNames: []string{"localhost"}, IPAddresses: loopback, Server: true, Client: true})
	if err != nil {
		return component.Set{}, err
	}
	if e.EtcdClient, err = e.EtcdCA.Issue(pki.CertConfig{CommonName: "etcd-client", Client: true}); err != nil {
		return component.Set{}, err
	}
	serving, err := e.CA.Issue(pki.CertConfig{
		CommonName:  "kube-apiserver",
		DNSNames:    []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
		IPAddresses: append(loopback, net.ParseIP("10.0.0.1")),
		Server:      true,
	})
	if err != nil {
		return component.Set{}, err
	}
	proxyClient, err := e.FrontProxyCA.Issue(pki.CertConfig{CommonName: "front-proxy-client", Client: true})
	if err != nil {
		return component.Set{}, err
	}
	saKey, saPub, err := pki.NewServiceAccountKey()
	if err != nil {
		return component.Set{}, err
	}
	etcdCfg := etcdcomponent.Config{
		ClientPort: p["etcd-client"], PeerPort: p["etcd-peer"], MetricsPort: p["etcd-metrics"],
		CAPEM: e.EtcdCA.CertPEM, ServerCertPEM: etcdServer.CertPEM, ServerKeyPEM: etcdServer.KeyPEM,
	}
	e.EtcdURL = etcdCfg.ClientURL()
	kasCfg := kubeapiserver.Config{
		DependsOn:                   []string{etcdcomponent.DefaultName},
		SecurePort:                  p["kube-apiserver"],
		EtcdServers:                 []string{e.EtcdURL},
		EtcdCAPEM:                   e.EtcdCA.CertPEM,
		EtcdClientCertPEM:           e.EtcdClient.CertPEM,
		EtcdClientKeyPEM:            e.EtcdClient.KeyPEM,
		CAPEM:                       e.CA.CertPEM,
		ServingCertPEM:              serving.CertPEM,
		ServingKeyPEM:               serving.KeyPEM,
		ClientCAPEM:                 e.ClientCA.CertPEM,
		ServiceAccountPrivateKeyPEM: saKey,
		ServiceAccountPublicKeyPEM:  saPub,
		ServiceAccountIssuer:        "https://kubernetes.default.svc",
		RequestHeaderCAPEM:          e.FrontProxyCA.CertPEM,
		ProxyClientCertPEM:          proxyClient.CertPEM,
		ProxyClientKeyPEM:           proxyClient.KeyPEM,
		ServiceClusterIPRange:       ServiceClusterIPRange,
		// Aggregated API servers run on loopback here, which EndpointSlices refuse: route
		// APIServices through their Service (an ExternalName Service for the Hortus API
		// server) instead of its endpoints. See StartGardenAPI.
		ExtraArgs: map[string]string{"enable-aggregator-routing": "false"},
	}
	admin, err := e.UserConfig("hortus-testenv-admin", "system:masters")
	if err != nil {
		return component.Set{}, err
	}
	admin.Host = kasCfg.URL()
	e.Config = admin
	e.KubeconfigPath = filepath.Join(e.Dir, "admin.kubeconfig")
	if err := e.WriteKubeconfig(admin, e.KubeconfigPath); err != nil {
		return component.Set{}, err
	}
	return component.Set{
		Name:       SetName,
		Components: []component.Component{etcdcomponent.Build(etcdCfg), kubeapiserver.Build(kasCfg)},
	}, nil
}

// UserConfig returns a client configuration for a user authenticated by a client
// certificate with the given name and groups. It has exactly the rights RBAC grants.
func (e *Environment) UserConfig(user string, groups ...string) (*rest.Config, error) {
	pair, err := e.ClientCA.Issue(pki.CertConfig{CommonName: user, Organization: groups, Client: true, Validity: 12 * time.Hour})
	if err != nil {
		return nil, fmt.Errorf("issuing a client certificate for %s: %w", user, err)
	}
	host := ""
	if e.Config != nil {
		host = e.Config.Host
	}
	return &rest.Config{
		Host: host,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   e.CA.CertPEM,
			CertData: pair.CertPEM,
			KeyData:  pair.KeyPEM,
		},
		QPS:   1000,
		Burst: 2000,
	}, nil
}

// WriteKubeconfig writes a kubeconfig for cfg (as made by UserConfig) to path.
func (e *Environment) WriteKubeconfig(cfg *rest.Config, path string) error {
	return pki.Kubeconfig{
		ClusterName:   "testenv",
		Server:        cfg.Host,
		CAPEM:         cfg.CAData,
		UserName:      "user",
		ClientCertPEM: cfg.CertData,
		ClientKeyPEM:  cfg.KeyData,
	}.WriteFile(path)
}

// Components reports the state of etcd, kube-apiserver and, once started, the Hortus API
// server.
func (e *Environment) Components(ctx context.Context) ([]component.Status, error) {
	return e.Executor.Status(ctx, SetName)
}

// Stop stops every component and, when Start created the state dir, removes it.
func (e *Environment) Stop(ctx context.Context) error {
	var errs []error
	if e.Executor != nil {
		if err := e.Executor.Delete(ctx, SetName); err != nil {
			errs = append(errs, err)
		}
		if err := e.Executor.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if e.ownDir {
		if err := os.RemoveAll(e.Dir); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (e *Environment) cleanup(err error) error {
	if stopErr := e.Stop(context.Background()); stopErr != nil {
		return errors.Join(err, stopErr)
	}
	return err
}

// findBinDir returns the directory with the hortus and kube-apiserver binaries.
func findBinDir(dir string) (string, error) {
	if dir == "" {
		dir = os.Getenv("HORTUS_BIN_DIR")
	}
	if dir == "" {
		root, err := RepoRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "bin")
	}
	var missing []string
	for _, b := range []string{"hortus", "kube-apiserver"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			missing = append(missing, b)
		}
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("%s missing in %s: run 'make build kube' first", strings.Join(missing, " and "), dir)
	}
	return dir, nil
}

// RepoRoot returns the root of the Hortus repository that contains the working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(b), "module github.com/hortus-dev/hortus\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the Hortus repository: set HORTUS_BIN_DIR to the directory with the binaries")
		}
		dir = parent
	}
}

// CompatDir returns the directory of Gardener's example manifests that Hortus must accept:
// $HORTUS_COMPAT_DIR, else shared/compat/gardener-examples beside the repository.
func CompatDir() (string, error) {
	if dir := os.Getenv("HORTUS_COMPAT_DIR"); dir != "" {
		return dir, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(filepath.Dir(root), "shared", "compat", "gardener-examples")
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("gardener example manifests not found at %s (expected ../shared beside the repository; set HORTUS_COMPAT_DIR): %w", dir, err)
	}
	return dir, nil
}
