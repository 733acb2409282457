package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/executor/process"
	"github.com/hortus-dev/hortus/pkg/localcluster"
	"github.com/hortus-dev/hortus/pkg/ports"
)

// SetName is the executor set that holds the environment's components.
const SetName = "testenv"

// ServiceClusterIPRange is the Service CIDR of the test cluster.
const ServiceClusterIPRange = localcluster.DefaultServiceClusterIPRange

// Options configure Start.
type Options struct {
	// Dir holds all state: PKI, etcd data, logs. When empty a temporary directory is
	// used and removed by Stop.
	Dir string
	// BinDir holds hortus, hortus-etcd, kube-apiserver and, with ControllerManager,
	// kube-controller-manager. When empty, $HORTUS_BIN_DIR, else bin/ at the root of the
	// Hortus repository that contains the working directory.
	BinDir string
	// Logger receives the executor's logs; discarded when unset.
	Logger logr.Logger
	// WithGardenAPI also starts the Hortus API server behind the kube-apiserver (see
	// Environment.StartGardenAPI).
	WithGardenAPI bool
	// KubeAPIServerArgs are merged into the kube-apiserver's args (localcluster's
	// Options.ExtraArgs), e.g. {"authorization-mode": "Node,RBAC"} for suites with nodes.
	KubeAPIServerArgs map[string]string
	// ControllerManager, when set, also starts a real kube-controller-manager against the
	// kube-apiserver (after the Hortus API server, when WithGardenAPI), in the same set:
	// Stop stops it. Suites that need namespace deletion, service-account tokens, CSR
	// signing or node Pod ranges set it; nil leaves it out.
	ControllerManager *ControllerManagerOptions
}

// Environment is a running test cluster. Its fields are set by Start and read-only after.
// The embedded Cluster describes etcd and the kube-apiserver: its CAs, EtcdClient,
// EtcdURL and URL, and UserConfig for further users. Its PKI is in Dir/pki, and its Set
// includes neither the Hortus API server nor the kube-controller-manager.
type Environment struct {
	*localcluster.Cluster

	// Dir is the state directory.
	Dir string
	// BinDir is where the binaries were found.
	BinDir string
	// Config is an admin (system:masters) client configuration: Cluster.Admin.
	Config *rest.Config
	// KubeconfigPath is a kubeconfig file with the admin credentials, for kubectl.
	KubeconfigPath string
	// Executor runs the components; suites may deploy more sets with it.
	Executor *process.Executor
	// Ports hands out loopback ports for further components.
	Ports *ports.Allocator
	// GardenAPIURL is the direct URL of the Hortus API server once StartGardenAPI ran;
	// clients normally reach it through the kube-apiserver (Config).
	GardenAPIURL string
	// ControllerManagerURL is the https URL of the kube-controller-manager's secure port
	// (/healthz, /metrics) when Options.ControllerManager is set; empty otherwise.
	ControllerManagerURL string

	// deployed is the deployed set: etcd, kube-apiserver and, once started, the Hortus API
	// server and the kube-controller-manager.
	deployed component.Set
	ownDir   bool
}

// Start brings up etcd and kube-apiserver, and what o asks for besides, and returns once
// all of them are ready.
func Start(ctx context.Context, o Options) (*Environment, error) {
	if o.ControllerManager != nil {
		if err := o.ControllerManager.validate(); err != nil {
			return nil, fmt.Errorf("testenv options: %w", err)
		}
	}
	e := &Environment{Dir: o.Dir}
	if e.Dir == "" {
		dir, err := os.MkdirTemp("", "hortus-testenv-")
		if err != nil {
			return nil, fmt.Errorf("creating the state dir: %w", err)
		}
		e.Dir, e.ownDir = dir, true
	}
	binaries := []string{"hortus", "hortus-etcd", "kube-apiserver"}
	if o.ControllerManager != nil {
		binaries = append(binaries, "kube-controller-manager")
	}
	binDir, err := findBinDir(o.BinDir, binaries)
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
	e.Cluster, err = localcluster.Build(localcluster.Options{
		Name:      SetName,
		PKIDir:    filepath.Join(e.Dir, "pki"),
		Ports:     e.Ports,
		ExtraArgs: o.KubeAPIServerArgs,
	})
	if err != nil {
		return nil, e.cleanup(err)
	}
	e.Config = e.Admin
	e.KubeconfigPath = filepath.Join(e.Dir, "admin.kubeconfig")
	if err := e.WriteKubeconfig(e.Config, e.KubeconfigPath); err != nil {
		return nil, e.cleanup(err)
	}
	if err := e.Executor.Deploy(ctx, e.Set); err != nil {
		return nil, e.cleanup(fmt.Errorf("starting etcd and kube-apiserver: %w", err))
	}
	e.deployed = e.Set
	if o.WithGardenAPI {
		if err := e.StartGardenAPI(ctx); err != nil {
			return nil, e.cleanup(err)
		}
	}
	if o.ControllerManager != nil {
		if err := e.startControllerManager(ctx, *o.ControllerManager); err != nil {
			return nil, e.cleanup(err)
		}
	}
	return e, nil
}

// WriteKubeconfig writes a kubeconfig for cfg (as made by UserConfig) to path.
func (e *Environment) WriteKubeconfig(cfg *rest.Config, path string) error {
	return e.Cluster.WriteKubeconfig(cfg, SetName, "user", path)
}

// Components reports the state of etcd, kube-apiserver and, once started, the Hortus API
// server and the kube-controller-manager.
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
		// Its ports are free for other environments at once, and its index entry goes.
		if e.Ports != nil {
			if err := e.Ports.Forget(); err != nil {
				errs = append(errs, err)
			}
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

// findBinDir returns the directory with the binaries.
func findBinDir(dir string, binaries []string) (string, error) {
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
	for _, b := range binaries {
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
