package process_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/executor/process"
)

const (
	eventually = 30 * time.Second
	poll       = 50 * time.Millisecond
)

// newExecutor returns an executor on stateDir that is closed when the test ends.
func newExecutor(t *testing.T, stateDir string) *process.Executor {
	t.Helper()
	e, err := process.New(process.Options{
		StateDir:        stateDir,
		BinDirs:         []string{filepath.Join(stateDir, "no-bin")},
		Logger:          testr.New(t),
		StopGracePeriod: time.Second,
		RestartBackoff:  process.Backoff{Initial: 50 * time.Millisecond, Max: time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Error(err)
		}
	})
	return e
}

// stateDir returns a state directory whose sets, and with them every process, a fresh
// executor deletes when the test ends, after the test's own executors are closed.
func stateDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Cleanup(func() {
		e, err := process.New(process.Options{StateDir: dir, Logger: testr.New(t), StopGracePeriod: time.Second})
		if err != nil {
			t.Error(err)
			return
		}
		entries, _ := os.ReadDir(dir)
		for _, s := range entries {
			if s.IsDir() {
				if err := e.Delete(context.Background(), s.Name()); err != nil {
					t.Error(err)
				}
			}
		}
		if err := e.Close(); err != nil {
			t.Error(err)
		}
	})
	return dir
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

func newMarker(t *testing.T) string {
	return fmt.Sprintf("%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), time.Now().UnixNano())
}

// served runs the test binary as "serve" (or another mode) on a fresh port.
func served(t *testing.T, mode, name, shared, marker, delay string, deps ...string) component.Component {
	port := freePort(t)
	return component.Component{
		Name:   name,
		Binary: self,
		Args:   []string{strconv.Itoa(port), shared, name, delay},
		Env: []component.EnvVar{
			{Name: childModeVar, Value: mode},
			{Name: markerVar, Value: marker},
		},
		Ports:     []component.Port{{Name: "http", Port: port}},
		Readiness: &component.Probe{HTTPGet: &component.HTTPGetAction{Port: port, Path: "/healthz"}},
		DependsOn: deps,
	}
}

func healthz(port int) error {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", port))
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

func pids(st []component.Status) map[string]int {
	out := map[string]int{}
	for _, s := range st {
		out[s.Name] = s.PID
	}
	return out
}

func TestDeployStartsInDependencyOrder(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	dir, shared, marker := stateDir(t), filepath.Join(t.TempDir(), "shared"), newMarker(t)
	e := newExecutor(t, dir)

	// a → b → c, and d on its own. a and b take a while to listen, so that a dependent
	// started too early would show in the shared file. The listing order is scrambled.
	a := served(t, "serve", "a", shared, marker, "300ms")
	a.Files = []component.File{{Path: "config/greeting", Content: []byte("hello")}}
	a.Args = append(a.Args, "$(HORTUS_WORKDIR)/config/greeting")
	set := component.Set{Name: "chain", Components: []component.Component{
		served(t, "serve", "c", shared, marker, "0s", "b"),
		served(t, "serve", "b", shared, marker, "300ms", "a"),
		served(t, "serve", "d", shared, marker, "0s"),
		a,
	}}

	g.Expect(e.Deploy(ctx, set)).To(Succeed())

	lines := sharedLines(t, shared)
	at := func(line string) int {
		i := slices.Index(lines, line)
		g.Expect(i).To(BeNumerically(">=", 0), "%q missing in %v", line, lines)
		return i
	}
	g.Expect(at("started a")).To(BeNumerically("<", at("ready a")))
	g.Expect(at("ready a")).To(BeNumerically("<", at("started b")), "b started before a was ready: %v", lines)
	g.Expect(at("started b")).To(BeNumerically("<", at("ready b")))
	g.Expect(at("ready b")).To(BeNumerically("<", at("started c")), "c started before b was ready: %v", lines)
	at("started d")
	at("config a")

	// The file was written below the working directory before a started.
	info, err := os.Stat(filepath.Join(dir, "chain", "a", "config", "greeting"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o600)))

	st, err := e.Status(ctx, set.Name)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(st).To(HaveLen(4))
	var names []string
	for _, s := range st {
		names = append(names, s.Name)
		g.Expect(s.Phase).To(Equal(component.PhaseReady), s.Name)
		g.Expect(s.PID).NotTo(BeZero())
		g.Expect(s.LogPath).To(Equal(filepath.Join(dir, "chain", s.Name, s.Name+".log")))
		g.Expect(s.LogPath).To(BeARegularFile())
	}
	g.Expect(names).To(Equal([]string{"d", "a", "b", "c"}))

	// Deploy is idempotent: nothing restarts.
	g.Expect(e.Deploy(ctx, set)).To(Succeed())
	again, err := e.Status(ctx, set.Name)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(pids(again)).To(Equal(pids(st)))
	g.Expect(sharedLines(t, shared)).To(HaveLen(len(lines)))
	g.Expect(markerPIDs(marker)).To(HaveLen(4))
}

func TestKilledComponentIsRestarted(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	dir, shared := stateDir(t), filepath.Join(t.TempDir(), "shared")
	e := newExecutor(t, dir)
	a := served(t, "serve", "a", shared, newMarker(t), "0s")
	set := component.Set{Name: "restart", Components: []component.Component{a}}
	g.Expect(e.Deploy(ctx, set)).To(Succeed())

	st, err := e.Status(ctx, set.Name)
	g.Expect(err).NotTo(HaveOccurred())
	old := st[0].PID
	g.Expect(syscall.Kill(old, syscall.SIGKILL)).To(Succeed())

	g.Eventually(func(g Gomega) {
		st, err := e.Status(ctx, set.Name)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(st[0].PID).NotTo(BeElementOf(0, old))
		g.Expect(st[0].Restarts).To(BeNumerically(">=", 1))
		g.Expect(st[0].Phase).To(Equal(component.PhaseReady))
	}).WithTimeout(eventually).WithPolling(poll).Should(Succeed())
	g.Expect(healthz(a.Port("http"))).To(Succeed())
}

func TestStopLeavesNoDescendants(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	dir, shared, marker := stateDir(t), filepath.Join(t.TempDir(), "shared"), newMarker(t)
	e := newExecutor(t, dir)
	// b's grandchild ignores SIGTERM, so Stop has to kill the whole group.
	set := component.Set{Name: "stop", Components: []component.Component{
		served(t, "serve", "a", shared, marker, "0s"),
		served(t, "spawn", "b", shared, marker, "0s", "a"),
	}}
	g.Expect(e.Deploy(ctx, set)).To(Succeed())
	g.Expect(markerPIDs(marker)).To(HaveLen(3))

	g.Expect(e.Stop(ctx, set.Name)).To(Succeed())
	g.Expect(markerPIDs(marker)).To(BeEmpty())

	st, err := e.Status(ctx, set.Name)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(st).To(HaveLen(2))
	for _, s := range st {
		g.Expect(s.Phase).To(Equal(component.PhaseStopped), s.Name)
		g.Expect(s.PID).To(BeZero())
	}
	// Stop keeps the state, and a later Deploy resumes the set.
	g.Expect(filepath.Join(dir, "stop", "b", "b.log")).To(BeARegularFile())
	g.Expect(e.Deploy(ctx, set)).To(Succeed())
	g.Expect(markerPIDs(marker)).To(HaveLen(3))
}

func TestNewExecutorAdoptsOrReplaces(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	dir, shared, marker := stateDir(t), filepath.Join(t.TempDir(), "shared"), newMarker(t)
	a := served(t, "serve", "a", shared, marker, "0s")
	set := component.Set{Name: "adopt", Components: []component.Component{a}}

	first := newExecutor(t, dir)
	g.Expect(first.Deploy(ctx, set)).To(Succeed())
	st, err := first.Status(ctx, set.Name)
	g.Expect(err).NotTo(HaveOccurred())
	pid := st[0].PID
	g.Expect(first.Close()).To(Succeed())
	// Close leaves the process running.
	g.Expect(markerPIDs(marker)).To(Equal([]int{pid}))

	second := newExecutor(t, dir)
	// Before it deploys, the second executor reports the set from the state directory.
	st, err = second.Status(ctx, set.Name)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(st).To(ConsistOf(HaveField("PID", pid)))
	g.Expect(st[0].Phase).To(Equal(component.PhaseReady))

	g.Expect(second.Deploy(ctx, set)).To(Succeed())
	st, err = second.Status(ctx, set.Name)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(st[0].PID).To(Equal(pid))
	g.Expect(markerPIDs(marker)).To(Equal([]int{pid}))

	// The second executor supervises the adopted process, which is not its child.
	g.Expect(syscall.Kill(pid, syscall.SIGKILL)).To(Succeed())
	g.Eventually(func(g Gomega) {
		st, err := second.Status(ctx, set.Name)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(st[0].PID).NotTo(BeElementOf(0, pid))
		g.Expect(st[0].Restarts).To(BeNumerically(">=", 1))
		g.Expect(st[0].Phase).To(Equal(component.PhaseReady))
	}).WithTimeout(eventually).WithPolling(poll).Should(Succeed())
	st, err = second.Status(ctx, set.Name)
	g.Expect(err).NotTo(HaveOccurred())
	pid = st[0].PID
	g.Expect(second.Close()).To(Succeed())

	// A third executor with a changed description replaces the process.
	third := newExecutor(t, dir)
	changed := set
	changed.Components = []component.Component{a}
	changed.Components[0].Env = append(slices.Clone(a.Env), component.EnvVar{Name: "VERSION", Value: "2"})
	g.Expect(third.Deploy(ctx, changed)).To(Succeed())
	st, err = third.Status(ctx, set.Name)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(st[0].PID).NotTo(BeElementOf(0, pid))
	g.Expect(st[0].Restarts).To(BeZero())
	g.Expect(markerPIDs(marker)).To(Equal([]int{st[0].PID}))
	g.Expect(healthz(a.Port("http"))).To(Succeed())

	// So does the executor that supervises it.
	pid = st[0].PID
	changed.Components[0].Env = append(slices.Clone(a.Env), component.EnvVar{Name: "VERSION", Value: "3"})
	g.Expect(third.Deploy(ctx, changed)).To(Succeed())
	st, err = third.Status(ctx, set.Name)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(st[0].PID).NotTo(BeElementOf(0, pid))
	g.Expect(markerPIDs(marker)).To(Equal([]int{st[0].PID}))
	g.Expect(healthz(a.Port("http"))).To(Succeed())
}

func TestStateDirIsExclusive(t *testing.T) {
	g := NewWithT(t)
	dir := stateDir(t)
	first, second := newExecutor(t, dir), newExecutor(t, dir)
	g.Expect(first.Stop(t.Context(), "any")).To(Succeed())
	g.Expect(second.Stop(t.Context(), "any")).To(MatchError(ContainSubstring("in use by another process executor")))
	g.Expect(first.Close()).To(Succeed())
	g.Expect(second.Stop(t.Context(), "any")).To(Succeed())
}

func TestDeployFailsClearly(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = busy.Close() })
	busyPort := busy.Addr().(*net.TCPAddr).Port

	tests := []struct {
		name string
		comp func(t *testing.T) component.Component
		want []string
		not  []string
	}{{
		name: "readiness timeout quotes the end of the log",
		comp: func(t *testing.T) component.Component {
			return component.Component{
				Name:   "hanger",
				Binary: self,
				Env:    []component.EnvVar{{Name: childModeVar, Value: "hang"}},
				Readiness: &component.Probe{
					TCPSocket: &component.TCPSocketAction{Port: freePort(t)},
					Timeout:   3 * time.Second,
				},
			}
		},
		want: []string{"set fail: component hanger did not become ready within 3s", "hanger.log", "\thang line 11\n", "\thang line 30"},
		not:  []string{"\thang line 10\n"},
	}, {
		name: "exit before ready quotes the log",
		comp: func(t *testing.T) component.Component {
			return component.Component{
				Name:      "quitter",
				Binary:    self,
				Env:       []component.EnvVar{{Name: childModeVar, Value: "exit"}},
				Readiness: &component.Probe{TCPSocket: &component.TCPSocketAction{Port: freePort(t)}},
			}
		},
		want: []string{"set fail: component quitter exited before it became ready", "exit status 1", "exit mode: failing on purpose"},
	}, {
		name: "busy port",
		comp: func(t *testing.T) component.Component {
			c := served(t, "serve", "squatter", filepath.Join(t.TempDir(), "shared"), newMarker(t), "0s")
			c.Ports = []component.Port{{Name: "http", Port: busyPort}}
			return c
		},
		want: []string{"component squatter", fmt.Sprintf("port %d (http)", busyPort), "another process holds it"},
	}, {
		name: "missing binary",
		comp: func(t *testing.T) component.Component {
			return component.Component{Name: "ghost", Binary: "hortus-no-such-binary"}
		},
		want: []string{"component ghost", "binary hortus-no-such-binary not found in ", "no-bin, $PATH", "make build", "make kube"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			e := newExecutor(t, stateDir(t))
			set := component.Set{Name: "fail", Components: []component.Component{tc.comp(t)}}
			err := e.Deploy(t.Context(), set)
			g.Expect(err).To(HaveOccurred())
			for _, w := range tc.want {
				g.Expect(err.Error()).To(ContainSubstring(w))
			}
			for _, n := range tc.not {
				g.Expect(err.Error()).NotTo(ContainSubstring(n))
			}
		})
	}
}

func TestDeployStopsRemovedComponents(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	dir, shared := stateDir(t), filepath.Join(t.TempDir(), "shared")
	keepMarker, dropMarker := newMarker(t)+"-keep", newMarker(t)+"-drop"
	e := newExecutor(t, dir)
	keep := served(t, "serve", "keep", shared, keepMarker, "0s")
	set := component.Set{Name: "shrink", Components: []component.Component{
		keep,
		served(t, "spawn", "drop", shared, dropMarker, "0s", "keep"),
	}}
	g.Expect(e.Deploy(ctx, set)).To(Succeed())
	g.Expect(markerPIDs(dropMarker)).To(HaveLen(2))
	keepPIDs := markerPIDs(keepMarker)

	set.Components = []component.Component{keep}
	g.Expect(e.Deploy(ctx, set)).To(Succeed())
	g.Expect(markerPIDs(dropMarker)).To(BeEmpty())
	g.Expect(markerPIDs(keepMarker)).To(Equal(keepPIDs))
	g.Expect(filepath.Join(dir, "shrink", "drop")).NotTo(BeAnExistingFile())
	st, err := e.Status(ctx, set.Name)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(st).To(ConsistOf(HaveField("Name", "keep")))
}

func TestStopAndDeleteWorkFromStateDir(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	dir, shared, marker := stateDir(t), filepath.Join(t.TempDir(), "shared"), newMarker(t)
	set := component.Set{Name: "leftover", Components: []component.Component{
		served(t, "serve", "a", shared, marker, "0s"),
		served(t, "spawn", "b", shared, marker, "0s", "a"),
	}}
	first := newExecutor(t, dir)
	g.Expect(first.Deploy(ctx, set)).To(Succeed())
	g.Expect(first.Close()).To(Succeed())
	g.Expect(markerPIDs(marker)).To(HaveLen(3))

	// A fresh executor that never deployed the set stops it from the state directory.
	second := newExecutor(t, dir)
	g.Expect(second.Stop(ctx, set.Name)).To(Succeed())
	g.Expect(markerPIDs(marker)).To(BeEmpty())
	st, err := second.Status(ctx, set.Name)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(st).To(HaveLen(2))
	g.Expect(st).To(HaveEach(HaveField("Phase", component.PhaseStopped)))

	g.Expect(second.Deploy(ctx, set)).To(Succeed())
	g.Expect(markerPIDs(marker)).To(HaveLen(3))
	g.Expect(second.Close()).To(Succeed())

	third := newExecutor(t, dir)
	g.Expect(third.Delete(ctx, set.Name)).To(Succeed())
	g.Expect(markerPIDs(marker)).To(BeEmpty())
	g.Expect(filepath.Join(dir, set.Name)).NotTo(BeAnExistingFile())
	st, err = third.Status(ctx, set.Name)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(st).To(BeEmpty())
}
