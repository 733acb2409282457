package driver

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	mcmdriver "github.com/gardener/machine-controller-manager/pkg/util/provider/driver"
	"github.com/gardener/machine-controller-manager/pkg/util/provider/machinecodes/codes"
	"github.com/gardener/machine-controller-manager/pkg/util/provider/machinecodes/status"
	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/extensions/provider-local/machineclass"
	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/executor/process"
)

const (
	// ComponentName is the one component of a machine's set: the simulated node process.
	ComponentName = "node"
	// UserDataFile is where the machine's user data is written, relative to the
	// component's working directory.
	UserDataFile = "user-data"
	// RootDir is the simulated node's root directory, relative to the component's working
	// directory; the files of the user data land below it.
	RootDir = "root"
	// NodeCommand is the hortus subcommand that runs a simulated node.
	NodeCommand = "simulated-node"
	// providerIDPrefix starts every provider ID of provider-local.
	providerIDPrefix = "local:///"
)

// Options configure New.
type Options struct {
	// MachinesDir is the process executor's state directory: one set per machine, named
	// after the machine, holding the simulated node's working directory. Required.
	MachinesDir string
	// NodeBinary is the hortus binary that runs `hortus simulated-node`. Required.
	NodeBinary string
	// Namespace is the control cluster namespace of the Machines this driver serves; it is
	// part of each provider ID. Required.
	Namespace string
	// Logger receives the driver's and the executor's logs. The zero Logger discards them.
	Logger logr.Logger
}

// Driver implements machine-controller-manager's driver.Driver for provider-local. Its
// machines are simulated: each is a `hortus simulated-node` process that a process executor
// runs below MachinesDir, which registers a Node named after the machine in the shoot but
// runs no containers. Machines outlive the Driver (see Close), and a new Driver on the same
// directory finds them again.
type Driver struct {
	machinesDir string
	nodeBinary  string
	namespace   string
	log         logr.Logger
	executor    *process.Executor

	// mu guards closed; every call holds it for reading, so that Close waits for them.
	mu     sync.RWMutex
	closed bool
}

var _ mcmdriver.Driver = &Driver{}

// New returns a Driver whose simulated machines live in o.MachinesDir.
func New(o Options) (*Driver, error) {
	var errs []error
	if o.MachinesDir == "" {
		errs = append(errs, errors.New("the machines directory is not set"))
	}
	if o.NodeBinary == "" {
		errs = append(errs, errors.New("the node binary (hortus) is not set"))
	}
	if o.Namespace == "" {
		errs = append(errs, errors.New("the namespace is not set"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("local machine driver: %w", err)
	}
	exec, err := process.New(process.Options{StateDir: o.MachinesDir, Logger: o.Logger.WithName("executor")})
	if err != nil {
		return nil, fmt.Errorf("local machine driver: %w", err)
	}
	return &Driver{
		machinesDir: o.MachinesDir,
		nodeBinary:  o.NodeBinary,
		namespace:   o.Namespace,
		log:         o.Logger,
		executor:    exec,
	}, nil
}

// Close waits for running calls, then ends the supervision of the simulated nodes and
// leaves them running, so that a new Driver adopts them. Later calls fail with Unavailable.
func (d *Driver) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	return d.executor.Close()
}

// begin holds the driver open for one call; the returned function ends the call.
func (d *Driver) begin() (func(), error) {
	d.mu.RLock()
	if d.closed {
		d.mu.RUnlock()
		return nil, fail(codes.Unavailable, "the local machine driver is shutting down; retry later")
	}
	return d.mu.RUnlock, nil
}

// ProviderID returns the provider ID of the simulated machine name in namespace:
// local:///<namespace>/<name>.
func ProviderID(namespace, name string) string {
	return providerIDPrefix + namespace + "/" + name
}

// ParseProviderID returns the namespace and machine name of a provider ID of ProviderID.
func ParseProviderID(id string) (namespace, name string, err error) {
	rest, ok := strings.CutPrefix(id, providerIDPrefix)
	if ok {
		namespace, name, ok = strings.Cut(rest, "/")
	}
	if !ok || namespace == "" || name == "" || strings.Contains(name, "/") {
		return "", "", fmt.Errorf("provider ID %q is not provider-local's, which look like %s<namespace>/<machine>", id, providerIDPrefix)
	}
	return namespace, name, nil
}

// CreateMachine starts the simulated node of the Machine, or adopts it when it runs
// already, and returns once the process runs. The node joins the shoot on its own.
func (d *Driver) CreateMachine(ctx context.Context, req *mcmdriver.CreateMachineRequest) (*mcmdriver.CreateMachineResponse, error) {
	end, err := d.begin()
	if err != nil {
		return nil, err
	}
	defer end()
	if req == nil || req.Machine == nil || req.MachineClass == nil || req.Secret == nil {
		return nil, fail(codes.InvalidArgument, "CreateMachine needs the Machine, its MachineClass and the MachineClass's Secret")
	}
	if err := d.servesMachine(req.Machine); err != nil {
		return nil, err
	}
	set, err := d.machineSet(req.Machine, req.MachineClass, req.Secret)
	if err != nil {
		return nil, err
	}
	key := client.ObjectKeyFromObject(req.Machine)
	if err := d.executor.Deploy(ctx, *set); err != nil {
		return nil, fail(codes.Internal, "starting the simulated node of machine %s: %v", key, err)
	}
	providerID := ProviderID(req.Machine.Namespace, req.Machine.Name)
	d.log.Info("Created simulated machine", "machine", key, "providerID", providerID)
	return &mcmdriver.CreateMachineResponse{ProviderID: providerID, NodeName: req.Machine.Name}, nil
}

// InitializeMachine is not needed: a simulated node is ready to join once it runs.
// machine-controller-manager skips initialization on Unimplemented.
func (d *Driver) InitializeMachine(context.Context, *mcmdriver.InitializeMachineRequest) (*mcmdriver.InitializeMachineResponse, error) {
	return nil, fail(codes.Unimplemented, "provider-local machines need no initialization")
}

// DeleteMachine stops the simulated node of the Machine and removes its directory. A
// machine that is gone already is no error.
func (d *Driver) DeleteMachine(ctx context.Context, req *mcmdriver.DeleteMachineRequest) (*mcmdriver.DeleteMachineResponse, error) {
	end, err := d.begin()
	if err != nil {
		return nil, err
	}
	defer end()
	if req == nil || req.Machine == nil {
		return nil, fail(codes.InvalidArgument, "DeleteMachine needs the Machine")
	}
	if err := d.servesMachine(req.Machine); err != nil {
		return nil, err
	}
	key := client.ObjectKeyFromObject(req.Machine)
	if err := d.executor.Delete(ctx, req.Machine.Name); err != nil {
		return nil, fail(codes.Internal, "deleting the simulated node of machine %s: %v", key, err)
	}
	d.log.Info("Deleted simulated machine", "machine", key)
	return &mcmdriver.DeleteMachineResponse{}, nil
}

// GetMachineStatus reports the machine when its simulated node was created and not deleted,
// whether or not the process runs right now (as a cloud reports a stopped VM); otherwise
// it fails with NotFound, which makes machine-controller-manager create it.
func (d *Driver) GetMachineStatus(ctx context.Context, req *mcmdriver.GetMachineStatusRequest) (*mcmdriver.GetMachineStatusResponse, error) {
	end, err := d.begin()
	if err != nil {
		return nil, err
	}
	defer end()
	if req == nil || req.Machine == nil {
		return nil, fail(codes.InvalidArgument, "GetMachineStatus needs the Machine")
	}
	if err := d.servesMachine(req.Machine); err != nil {
		return nil, err
	}
	exists, err := d.exists(ctx, req.Machine.Name)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, fail(codes.NotFound, "machine %s has no simulated node in %s", client.ObjectKeyFromObject(req.Machine), d.machinesDir)
	}
	return &mcmdriver.GetMachineStatusResponse{
		ProviderID: ProviderID(req.Machine.Namespace, req.Machine.Name),
		NodeName:   req.Machine.Name,
	}, nil
}

// Resume starts the simulated node of a Machine whose process was stopped while its set
// was kept, as a host that comes back boots its VMs again: after 'hortus down' and
// 'hortus up', the nodes return instead of staying NotReady until machine-controller-
// manager replaces them. A machine that runs, one the driver never created and one being
// deleted are left alone. It reports whether it started the machine.
func (d *Driver) Resume(ctx context.Context, m *v1alpha1.Machine, class *v1alpha1.MachineClass, secret *corev1.Secret) (bool, error) {
	end, err := d.begin()
	if err != nil {
		return false, err
	}
	defer end()
	if err := d.servesMachine(m); err != nil {
		return false, err
	}
	if m.DeletionTimestamp != nil {
		return false, nil
	}
	st, err := d.executor.Status(ctx, m.Name)
	if err != nil {
		return false, fail(codes.Internal, "reading the state of simulated machine %s: %v", m.Name, err)
	}
	if len(st) == 0 || st[0].Phase != component.PhaseStopped {
		return false, nil
	}
	set, err := d.machineSet(m, class, secret)
	if err != nil {
		return false, err
	}
	key := client.ObjectKeyFromObject(m)
	if err := d.executor.Deploy(ctx, *set); err != nil {
		return false, fail(codes.Internal, "restarting the simulated node of machine %s: %v", key, err)
	}
	d.log.Info("Restarted stopped simulated machine", "machine", key)
	return true, nil
}

// ListMachines lists every simulated machine of this driver by provider ID, whatever its
// MachineClass, so that machine-controller-manager's safety controller finds orphans.
func (d *Driver) ListMachines(ctx context.Context, _ *mcmdriver.ListMachinesRequest) (*mcmdriver.ListMachinesResponse, error) {
	end, err := d.begin()
	if err != nil {
		return nil, err
	}
	defer end()
	entries, err := os.ReadDir(d.machinesDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fail(codes.Internal, "listing the simulated machines in %s: %v", d.machinesDir, err)
	}
	out := map[string]string{}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		exists, err := d.exists(ctx, e.Name())
		if err != nil {
			return nil, err
		}
		if exists {
			out[ProviderID(d.namespace, e.Name())] = e.Name()
		}
	}
	return &mcmdriver.ListMachinesResponse{MachineList: out}, nil
}

// GetVolumeIDs returns no volume IDs: simulated machines have no provider volumes, so
// machine-controller-manager's drain tracks none of a pod's volumes.
func (d *Driver) GetVolumeIDs(context.Context, *mcmdriver.GetVolumeIDsRequest) (*mcmdriver.GetVolumeIDsResponse, error) {
	return &mcmdriver.GetVolumeIDsResponse{}, nil
}

// exists reports whether the executor knows a set for the machine.
func (d *Driver) exists(ctx context.Context, name string) (bool, error) {
	st, err := d.executor.Status(ctx, name)
	if err != nil {
		return false, fail(codes.Internal, "reading the state of simulated machine %s: %v", name, err)
	}
	return len(st) > 0, nil
}

// servesMachine checks that the Machine is in the driver's namespace and that its name can
// name a directory.
func (d *Driver) servesMachine(m *v1alpha1.Machine) error {
	if m.Namespace != d.namespace {
		return fail(codes.InvalidArgument, "machine %s is not in namespace %s, which this driver serves", client.ObjectKeyFromObject(m), d.namespace)
	}
	if errs := validation.IsDNS1123Subdomain(m.Name); len(errs) > 0 {
		return fail(codes.InvalidArgument, "machine name %q: %s", m.Name, strings.Join(errs, "; "))
	}
	return nil
}

// machineSet describes the simulated node of a Machine: one component that runs
// `hortus simulated-node` with the user data as a file in its working directory.
func (d *Driver) machineSet(m *v1alpha1.Machine, class *v1alpha1.MachineClass, secret *corev1.Secret) (*component.Set, error) {
	if class.Provider != "" && class.Provider != machineclass.Provider {
		return nil, fail(codes.InvalidArgument, "MachineClass %s is for provider %q, this driver serves %q", client.ObjectKeyFromObject(class), class.Provider, machineclass.Provider)
	}
	spec, err := machineclass.Decode(class.ProviderSpec.Raw)
	if err != nil {
		return nil, fail(codes.InvalidArgument, "MachineClass %s: %v", client.ObjectKeyFromObject(class), err)
	}
	userData, ok := secret.Data[machineclass.UserDataKey]
	if !ok || len(userData) == 0 {
		return nil, fail(codes.InvalidArgument, "the Secret of MachineClass %s has no %s: it must hold the machine's user data", client.ObjectKeyFromObject(class), machineclass.UserDataKey)
	}
	labels, err := nodeLabels(spec)
	if err != nil {
		return nil, fail(codes.InvalidArgument, "MachineClass %s: %v", client.ObjectKeyFromObject(class), err)
	}
	workDir := "$(" + component.WorkDirVar + ")/"
	args := []string{
		NodeCommand,
		"--root-dir=" + workDir + RootDir,
		"--user-data-file=" + workDir + UserDataFile,
		"--node-name=" + m.Name,
		"--provider-id=" + ProviderID(m.Namespace, m.Name),
		"--cpu=" + spec.CPU.String(),
		"--memory=" + spec.Memory.String(),
		"--pods=" + strconv.FormatInt(spec.Pods.Value(), 10), // the node takes an integer
	}
	if labels != "" {
		args = append(args, "--labels="+labels)
	}
	return &component.Set{
		Name: m.Name,
		Components: []component.Component{{
			Name:   ComponentName,
			Binary: d.nodeBinary,
			Args:   args,
			Files:  []component.File{{Path: UserDataFile, Content: userData, Mode: 0o600}},
		}},
	}, nil
}

// nodeLabels returns the labels of the node as sorted k=v pairs joined by commas: the
// providerSpec's labels, then the instance type and zone, which win.
func nodeLabels(spec *machineclass.ProviderSpec) (string, error) {
	labels := maps.Clone(spec.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[corev1.LabelInstanceTypeStable] = spec.MachineType
	if spec.Zone != "" {
		labels[corev1.LabelTopologyZone] = spec.Zone
	}
	var errs []error
	pairs := make([]string, 0, len(labels))
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		v := labels[k]
		if msgs := validation.IsQualifiedName(k); len(msgs) > 0 {
			errs = append(errs, fmt.Errorf("label key %q: %s", k, strings.Join(msgs, "; ")))
		}
		if msgs := validation.IsValidLabelValue(v); len(msgs) > 0 {
			errs = append(errs, fmt.Errorf("label %s value %q: %s", k, v, strings.Join(msgs, "; ")))
		}
		pairs = append(pairs, k+"="+v)
	}
	return strings.Join(pairs, ","), errors.Join(errs...)
}

// fail returns a machine-controller-manager status error. MCM reads the code back from the
// error text, in which the message sits between square brackets; brackets in the message
// become parentheses so that it parses.
func fail(code codes.Code, format string, args ...any) error {
	msg := strings.NewReplacer("[", "(", "]", ")", "\n", "; ").Replace(fmt.Sprintf(format, args...))
	return status.Error(code, msg)
}
