package mcm_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	"github.com/go-logr/logr"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/extensions/provider-local/mcm"
	"github.com/hortus-dev/hortus/pkg/executor/process"
	"github.com/hortus-dev/hortus/pkg/extensioncrds"
	"github.com/hortus-dev/hortus/test/testenv"
)

// This suite runs machine-controller-manager with the local driver in-process against a
// real kube-apiserver, which serves as both its control cluster (Machines in a namespace)
// and its target cluster (Nodes). The machines' process is a test stand-in for
// `hortus simulated-node` (testdata/simulated-node) that only registers a Ready Node.

func TestMCM(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Machine Controller Manager Integration Suite")
}

var (
	env    *testenv.Environment
	scheme = runtime.NewScheme()
	// c is an admin client of the cluster.
	c client.Client
	// namespace is the control namespace that machine-controller-manager works in.
	namespace string
	// machinesDir is the driver's state directory.
	machinesDir string
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(machinev1alpha1.AddToScheme(scheme))
}

var _ = BeforeSuite(func(ctx context.Context) {
	SetDefaultEventuallyTimeout(time.Minute)
	SetDefaultEventuallyPollingInterval(200 * time.Millisecond)
	klog.SetLogger(logr.New(restartCounter{GinkgoLogr.WithName("klog").GetSink()}))

	var err error
	env, err = testenv.Start(ctx, testenv.Options{Logger: GinkgoLogr})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx context.Context) {
		Expect(env.Stop(ctx)).To(Succeed())
	})
	c, err = client.New(env.Config, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	installCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	Expect(extensioncrds.Install(installCtx, c)).To(Succeed())

	dir := GinkgoT().TempDir()
	nodeBinary := filepath.Join(dir, "hortus")
	build := exec.CommandContext(ctx, "go", "build", "-o", nodeBinary, "./testdata/simulated-node")
	out, err := build.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "building the simulated-node stand-in: %s", out)

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "shoot--mcm--"}}
	Expect(c.Create(ctx, ns)).To(Succeed())
	namespace = ns.Name
	machinesDir = filepath.Join(dir, "machines")

	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		defer GinkgoRecover()
		done <- mcm.Run(runCtx, GinkgoLogr.WithName("mcm"), mcm.Options{
			ControlKubeconfig: env.KubeconfigPath,
			TargetKubeconfig:  env.KubeconfigPath,
			Namespace:         namespace,
			MachinesDir:       machinesDir,
			NodeBinary:        nodeBinary,
		})
	}()
	DeferCleanup(func(ctx context.Context) {
		stop()
		Eventually(done).Should(Receive(Succeed()))
		removeMachines(ctx)
	})
}, NodeTimeout(5*time.Minute))

// removeMachines deletes whatever machines the driver left once machine-controller-manager
// stopped, so that no process outlives the suite.
func removeMachines(ctx context.Context) {
	GinkgoHelper()
	e, err := process.New(process.Options{StateDir: machinesDir})
	Expect(err).NotTo(HaveOccurred())
	defer func() { Expect(e.Close()).To(Succeed()) }()
	for _, name := range setNames() {
		Expect(e.Delete(ctx, name)).To(Succeed())
	}
}

// setNames lists the machine sets in the driver's state directory.
func setNames() []string {
	entries, err := os.ReadDir(machinesDir)
	if os.IsNotExist(err) {
		return nil
	}
	Expect(err).NotTo(HaveOccurred())
	var names []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	return names
}

// machineDeployment returns a deployment of replicas machines of class, with maxSurge 1 and
// maxUnavailable 0.
func machineDeployment(namespace, name, class string, replicas int32) *machinev1alpha1.MachineDeployment {
	labels := map[string]string{"name": name}
	return &machinev1alpha1.MachineDeployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: machinev1alpha1.MachineDeploymentSpec{
			Replicas: replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: machinev1alpha1.MachineTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       machinev1alpha1.MachineSpec{Class: machinev1alpha1.ClassSpec{Kind: "MachineClass", Name: class}},
			},
			Strategy: machinev1alpha1.MachineDeploymentStrategy{
				Type: machinev1alpha1.RollingUpdateMachineDeploymentStrategyType,
				RollingUpdate: &machinev1alpha1.RollingUpdateMachineDeployment{UpdateConfiguration: machinev1alpha1.UpdateConfiguration{
					MaxSurge: ptr.To(intstr.FromInt32(1)), MaxUnavailable: ptr.To(intstr.FromInt32(0)),
				}},
			},
		},
	}
}

// deletionRestarts counts how often machine-controller-manager's machine controller found a
// deleted machine's status naming no step of its deletion flow, and started the flow over.
var deletionRestarts atomic.Int32

// restartCounter is a log sink that counts the machine controller's restarted deletion
// flows in deletionRestarts.
type restartCounter struct{ logr.LogSink }

func (s restartCounter) Info(level int, msg string, kv ...any) {
	if strings.HasPrefix(msg, "Unable to decode deletion flow state") {
		deletionRestarts.Add(1)
	}
	s.LogSink.Info(level, msg, kv...)
}

func (s restartCounter) WithValues(kv ...any) logr.LogSink {
	return restartCounter{s.LogSink.WithValues(kv...)}
}

func (s restartCounter) WithName(name string) logr.LogSink {
	return restartCounter{s.LogSink.WithName(name)}
}
