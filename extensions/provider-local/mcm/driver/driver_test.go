package driver_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	mcmdriver "github.com/gardener/machine-controller-manager/pkg/util/provider/driver"
	"github.com/gardener/machine-controller-manager/pkg/util/provider/machinecodes/codes"
	"github.com/gardener/machine-controller-manager/pkg/util/provider/machinecodes/status"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/hortus-dev/hortus/extensions/provider-local/machineclass"
	"github.com/hortus-dev/hortus/extensions/provider-local/mcm/driver"
	"github.com/hortus-dev/hortus/pkg/executor/process"
)

const namespace = "shoot--test--local"

// fakeNode is a stand-in for `hortus simulated-node`: it records its arguments in its
// working directory and sleeps until it is stopped.
const fakeNode = `#!/bin/sh
printf '%s\n' "$@" > args
exec sleep 3600
`

// setup returns a driver on a temporary machines directory with fakeNode as its node
// binary. Cleanup closes it and removes every machine it left, so that no process remains.
func setup(t *testing.T) (*driver.Driver, string) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "hortus")
	if err := os.WriteFile(bin, []byte(fakeNode), 0o755); err != nil {
		t.Fatal(err)
	}
	machines := filepath.Join(dir, "machines")
	d, err := driver.New(driver.Options{MachinesDir: machines, NodeBinary: bin, Namespace: namespace})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeAll(t, d, machines) })
	return d, machines
}

// removeAll closes d and deletes every set in the machines directory.
func removeAll(t *testing.T, d *driver.Driver, machines string) {
	t.Helper()
	if err := d.Close(); err != nil {
		t.Error(err)
	}
	e, err := process.New(process.Options{StateDir: machines})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = e.Close() }()
	entries, _ := os.ReadDir(machines)
	for _, entry := range entries {
		if entry.IsDir() && !strings.HasPrefix(entry.Name(), ".") {
			if err := e.Delete(context.Background(), entry.Name()); err != nil {
				t.Error(err)
			}
		}
	}
}

func machine(name string) *v1alpha1.Machine {
	return &v1alpha1.Machine{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}}
}

func class(spec string) *v1alpha1.MachineClass {
	return &v1alpha1.MachineClass{
		ObjectMeta:   metav1.ObjectMeta{Name: "local-abc", Namespace: namespace},
		Provider:     machineclass.Provider,
		ProviderSpec: runtime.RawExtension{Raw: []byte(spec)},
	}
}

const goodSpec = `{"machineType":"local-small","cpu":"2","memory":"4Gi","pods":"1k","zone":"local-1","labels":{"worker.gardener.cloud/pool":"worker"}}`

func secret(userData string) *corev1.Secret {
	return &corev1.Secret{Data: map[string][]byte{machineclass.UserDataKey: []byte(userData)}}
}

func createReq(name string) *mcmdriver.CreateMachineRequest {
	return &mcmdriver.CreateMachineRequest{Machine: machine(name), MachineClass: class(goodSpec), Secret: secret("#cloud-config\n")}
}

// code returns the machine code of err, failing when err is no status error.
func code(g Gomega, err error) codes.Code {
	g.Expect(err).To(HaveOccurred())
	s, ok := status.FromError(err)
	g.Expect(ok).To(BeTrue(), "not a status error: %v", err)
	return s.Code()
}

// pid returns the pid of the machine's simulated node from the executor's state file.
func pid(g Gomega, machines, name string) int {
	b, err := os.ReadFile(filepath.Join(machines, name, driver.ComponentName, ".state.json"))
	g.Expect(err).NotTo(HaveOccurred())
	var st struct {
		PID int `json:"pid"`
	}
	g.Expect(json.Unmarshal(b, &st)).To(Succeed())
	g.Expect(st.PID).To(BeNumerically(">", 0))
	return st.PID
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil && !zombie(pid) }

// zombie reports whether pid has exited but is not reaped yet.
func zombie(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}

func TestCreateGetListDelete(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	d, machines := setup(t)

	_, err := d.GetMachineStatus(ctx, &mcmdriver.GetMachineStatusRequest{Machine: machine("m1")})
	g.Expect(code(g, err)).To(Equal(codes.NotFound))

	resp, err := d.CreateMachine(ctx, createReq("m1"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(resp.ProviderID).To(Equal("local:///" + namespace + "/m1"))
	g.Expect(resp.NodeName).To(Equal("m1"))

	work := filepath.Join(machines, "m1", driver.ComponentName)
	var args []byte
	g.Eventually(func() ([]byte, error) { args, err = os.ReadFile(filepath.Join(work, "args")); return args, err }).
		WithTimeout(10 * time.Second).ShouldNot(BeEmpty())
	g.Expect(strings.Split(strings.TrimSpace(string(args)), "\n")).To(Equal([]string{
		"simulated-node",
		"--root-dir=" + filepath.Join(work, "root"),
		"--user-data-file=" + filepath.Join(work, "user-data"),
		"--node-name=m1",
		"--provider-id=local:///" + namespace + "/m1",
		"--cpu=2",
		"--memory=4Gi",
		"--pods=1000",
		"--labels=node.kubernetes.io/instance-type=local-small,topology.kubernetes.io/zone=local-1,worker.gardener.cloud/pool=worker",
	}))
	info, err := os.Stat(filepath.Join(work, "user-data"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o600)))
	first := pid(g, machines, "m1")
	g.Expect(alive(first)).To(BeTrue())

	// Creating again adopts the running node.
	_, err = d.CreateMachine(ctx, createReq("m1"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(pid(g, machines, "m1")).To(Equal(first))

	st, err := d.GetMachineStatus(ctx, &mcmdriver.GetMachineStatusRequest{Machine: machine("m1")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(st.ProviderID).To(Equal(resp.ProviderID))
	g.Expect(st.NodeName).To(Equal("m1"))

	_, err = d.CreateMachine(ctx, createReq("m2"))
	g.Expect(err).NotTo(HaveOccurred())
	list, err := d.ListMachines(ctx, &mcmdriver.ListMachinesRequest{MachineClass: class(goodSpec)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(list.MachineList).To(Equal(map[string]string{
		"local:///" + namespace + "/m1": "m1",
		"local:///" + namespace + "/m2": "m2",
	}))

	_, err = d.DeleteMachine(ctx, &mcmdriver.DeleteMachineRequest{Machine: machine("m1")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(filepath.Join(machines, "m1")).NotTo(BeADirectory())
	g.Eventually(func() bool { return alive(first) }).WithTimeout(10 * time.Second).Should(BeFalse())
	_, err = d.GetMachineStatus(ctx, &mcmdriver.GetMachineStatusRequest{Machine: machine("m1")})
	g.Expect(code(g, err)).To(Equal(codes.NotFound))
	list, err = d.ListMachines(ctx, &mcmdriver.ListMachinesRequest{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(list.MachineList).To(Equal(map[string]string{"local:///" + namespace + "/m2": "m2"}))

	// Deleting a machine that is gone is no error.
	_, err = d.DeleteMachine(ctx, &mcmdriver.DeleteMachineRequest{Machine: machine("m1")})
	g.Expect(err).NotTo(HaveOccurred())
}

func TestCloseLeavesMachinesForTheNextDriver(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	d, machines := setup(t)
	_, err := d.CreateMachine(ctx, createReq("m1"))
	g.Expect(err).NotTo(HaveOccurred())
	before := pid(g, machines, "m1")

	g.Expect(d.Close()).To(Succeed())
	_, err = d.GetMachineStatus(ctx, &mcmdriver.GetMachineStatusRequest{Machine: machine("m1")})
	g.Expect(code(g, err)).To(Equal(codes.Unavailable))
	g.Expect(alive(before)).To(BeTrue(), "closing the driver stopped the machine")

	next, err := driver.New(driver.Options{MachinesDir: machines, NodeBinary: filepath.Join(filepath.Dir(machines), "hortus"), Namespace: namespace})
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { removeAll(t, next, machines) })
	_, err = next.GetMachineStatus(ctx, &mcmdriver.GetMachineStatusRequest{Machine: machine("m1")})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = next.CreateMachine(ctx, createReq("m1"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(pid(g, machines, "m1")).To(Equal(before), "the next driver replaced the machine instead of adopting it")
}

func TestCreateMachineRejectsBadRequests(t *testing.T) {
	d, machines := setup(t)
	tests := []struct {
		name    string
		mutate  func(r *mcmdriver.CreateMachineRequest)
		wantMsg string
	}{
		{name: "no providerSpec", mutate: func(r *mcmdriver.CreateMachineRequest) { r.MachineClass.ProviderSpec.Raw = nil }, wantMsg: "has no providerSpec"},
		{name: "providerSpec of another provider", mutate: func(r *mcmdriver.CreateMachineRequest) {
			r.MachineClass.ProviderSpec.Raw = []byte(`[1]`)
		}, wantMsg: "not provider-local's"},
		{name: "incomplete providerSpec", mutate: func(r *mcmdriver.CreateMachineRequest) {
			r.MachineClass.ProviderSpec.Raw = []byte(`{"machineType":"x","cpu":"1","memory":"1Gi"}`)
		}, wantMsg: "providerSpec.pods must be positive"},
		{name: "bad label", mutate: func(r *mcmdriver.CreateMachineRequest) {
			r.MachineClass.ProviderSpec.Raw = []byte(`{"machineType":"x","cpu":"1","memory":"1Gi","pods":"10","labels":{"a":"b,c=d"}}`)
		}, wantMsg: `label a value "b,c=d"`},
		{name: "other provider", mutate: func(r *mcmdriver.CreateMachineRequest) { r.MachineClass.Provider = "aws" }, wantMsg: `is for provider "aws"`},
		{name: "no user data", mutate: func(r *mcmdriver.CreateMachineRequest) { r.Secret.Data = nil }, wantMsg: "has no userData"},
		{name: "other namespace", mutate: func(r *mcmdriver.CreateMachineRequest) { r.Machine.Namespace = "elsewhere" }, wantMsg: "is not in namespace " + namespace},
		{name: "no secret", mutate: func(r *mcmdriver.CreateMachineRequest) { r.Secret = nil }, wantMsg: "needs the Machine, its MachineClass and the MachineClass's Secret"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			req := createReq("bad")
			tc.mutate(req)
			_, err := d.CreateMachine(t.Context(), req)
			g.Expect(code(g, err)).To(Equal(codes.InvalidArgument))
			s, _ := status.FromError(err)
			g.Expect(s.Message()).To(ContainSubstring(tc.wantMsg))
			g.Expect(filepath.Join(machines, "bad")).NotTo(BeADirectory())
		})
	}
}

func TestUnneededCalls(t *testing.T) {
	g := NewWithT(t)
	d, _ := setup(t)
	_, err := d.InitializeMachine(t.Context(), &mcmdriver.InitializeMachineRequest{Machine: machine("m1")})
	g.Expect(code(g, err)).To(Equal(codes.Unimplemented))
	vols, err := d.GetVolumeIDs(t.Context(), &mcmdriver.GetVolumeIDsRequest{PVSpecs: []*corev1.PersistentVolumeSpec{{}}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(vols.VolumeIDs).To(BeEmpty())
}

func TestStatusErrorsWithBracketsParse(t *testing.T) {
	g := NewWithT(t)
	d, _ := setup(t)
	req := createReq("bad")
	req.MachineClass.Name = "a[b"
	req.MachineClass.ProviderSpec.Raw = nil
	_, err := d.CreateMachine(t.Context(), req)
	g.Expect(code(g, err)).To(Equal(codes.InvalidArgument))
}

func TestProviderID(t *testing.T) {
	tests := []struct {
		id            string
		wantNamespace string
		wantName      string
		wantErr       bool
	}{
		{id: "local:///shoot--a--b/m-1", wantNamespace: "shoot--a--b", wantName: "m-1"},
		{id: "aws:///eu/i-123", wantErr: true},
		{id: "local:///only", wantErr: true},
		{id: "local:///ns/a/b", wantErr: true},
		{id: "local:////m", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			g := NewWithT(t)
			ns, name, err := driver.ParseProviderID(tc.id)
			if tc.wantErr {
				g.Expect(err).To(MatchError(ContainSubstring("is not provider-local's")))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect([]string{ns, name}).To(Equal([]string{tc.wantNamespace, tc.wantName}))
			g.Expect(driver.ProviderID(ns, name)).To(Equal(tc.id))
		})
	}
}

func TestNewRequiresOptions(t *testing.T) {
	g := NewWithT(t)
	_, err := driver.New(driver.Options{})
	g.Expect(err).To(MatchError(And(
		ContainSubstring("machines directory is not set"),
		ContainSubstring("node binary"),
		ContainSubstring("namespace is not set"),
	)))
}

func TestResumeRestartsStoppedMachinesOnly(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	d, machines := setup(t)
	for _, name := range []string{"m1", "m2"} {
		_, err := d.CreateMachine(ctx, createReq(name))
		g.Expect(err).NotTo(HaveOccurred())
	}
	stopped, running := pid(g, machines, "m1"), pid(g, machines, "m2")

	// 'hortus down' stops the machine's process and keeps its set, as it does with a
	// driver's machines: through an executor of its own once the driver is closed.
	g.Expect(d.Close()).To(Succeed())
	e, err := process.New(process.Options{StateDir: machines})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(e.Stop(ctx, "m1")).To(Succeed())
	g.Expect(e.Close()).To(Succeed())
	g.Expect(alive(stopped)).To(BeFalse())

	next, err := driver.New(driver.Options{MachinesDir: machines, NodeBinary: filepath.Join(filepath.Dir(machines), "hortus"), Namespace: namespace})
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { removeAll(t, next, machines) })

	started, err := next.Resume(ctx, machine("m1"), class(goodSpec), secret("#cloud-config\n"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(started).To(BeTrue())
	g.Expect(pid(g, machines, "m1")).NotTo(Equal(stopped))
	g.Expect(alive(pid(g, machines, "m1"))).To(BeTrue(), "the stopped machine runs again")

	started, err = next.Resume(ctx, machine("m2"), class(goodSpec), secret("#cloud-config\n"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(started).To(BeFalse(), "a running machine is left alone")
	g.Expect(pid(g, machines, "m2")).To(Equal(running))

	started, err = next.Resume(ctx, machine("m3"), class(goodSpec), secret("#cloud-config\n"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(started).To(BeFalse(), "a machine the driver never created is not created")
	_, err = next.GetMachineStatus(ctx, &mcmdriver.GetMachineStatusRequest{Machine: machine("m3")})
	g.Expect(code(g, err)).To(Equal(codes.NotFound))

	// A Machine being deleted is not restarted.
	g.Expect(next.Close()).To(Succeed())
	e, err = process.New(process.Options{StateDir: machines})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(e.Stop(ctx, "m1")).To(Succeed())
	g.Expect(e.Close()).To(Succeed())
	last, err := driver.New(driver.Options{MachinesDir: machines, NodeBinary: filepath.Join(filepath.Dir(machines), "hortus"), Namespace: namespace})
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { removeAll(t, last, machines) })
	deleting := machine("m1")
	now := metav1.Now()
	deleting.DeletionTimestamp = &now
	started, err = last.Resume(ctx, deleting, class(goodSpec), secret("#cloud-config\n"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(started).To(BeFalse())
	g.Expect(alive(pid(g, machines, "m1"))).To(BeFalse(), "a machine being deleted stays stopped")
}
