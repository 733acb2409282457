package process

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/utils/clock"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/executor"
)

// Options configure an Executor.
type Options struct {
	// StateDir holds a directory per set and, in it, the working directory of each
	// component: <StateDir>/<set>/<component>/. Required.
	StateDir string
	// BinDirs are searched, in order and before $PATH, for a component's bare binary name.
	BinDirs []string
	// Logger receives the executor's logs. The zero Logger discards them.
	Logger logr.Logger
	// Clock defaults to the real clock.
	Clock clock.Clock
	// StopGracePeriod is how long a component may take to exit after SIGTERM before it
	// gets SIGKILL. Zero means 10s.
	StopGracePeriod time.Duration
	// RestartBackoff paces the restarts of a crashing component.
	RestartBackoff Backoff
}

// Backoff is an exponential back-off. Zero fields take their defaults.
type Backoff struct {
	// Initial is the first delay; default 500ms. Each further crash doubles it.
	Initial time.Duration
	// Max caps the delay; default 30s.
	Max time.Duration
	// ResetAfter is how long a process must have run for its next crash to start again
	// at Initial; default 60s.
	ResetAfter time.Duration
}

// next returns the delay before the next restart, given the previous delay (zero for the
// first crash) and how long the crashed process ran.
func (b Backoff) next(prev, ran time.Duration) time.Duration {
	if prev <= 0 || ran >= b.ResetAfter {
		return b.Initial
	}
	return min(2*prev, b.Max)
}

// Executor runs every component of a set as a local process in its own process group, with
// output appended to a log file in its working directory. A supervisor goroutine per
// component restarts a crashed process with back-off. Processes outlive the Executor (see
// Close); a new Executor on the same state directory adopts them from the state files.
//
// While it deploys or stops, an Executor holds an flock on <StateDir>/.lock until Close,
// so two live Executors never supervise one state directory.
type Executor struct {
	stateDir string
	binDirs  []string
	log      logr.Logger
	clock    clock.Clock
	grace    time.Duration
	backoff  Backoff

	mu     sync.Mutex
	closed bool
	// lock is the open <StateDir>/.lock while this executor holds its flock.
	lock *os.File
	// sets holds the supervisors by set and component name.
	sets map[string]map[string]*supervisor
	// setLocks serialise Deploy, Stop and Delete per set.
	setLocks map[string]*sync.Mutex
}

var _ executor.Executor = &Executor{}

// New returns an Executor that keeps its state in o.StateDir.
func New(o Options) (*Executor, error) {
	if o.StateDir == "" {
		return nil, errors.New("process executor: the state directory is not set")
	}
	dir, err := filepath.Abs(o.StateDir)
	if err != nil {
		return nil, fmt.Errorf("process executor: state directory: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("process executor: %w", err)
	}
	e := &Executor{
		stateDir: dir,
		log:      o.Logger,
		clock:    o.Clock,
		grace:    o.StopGracePeriod,
		backoff:  o.RestartBackoff,
		sets:     map[string]map[string]*supervisor{},
		setLocks: map[string]*sync.Mutex{},
	}
	for _, d := range o.BinDirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, fmt.Errorf("process executor: binary directory: %w", err)
		}
		e.binDirs = append(e.binDirs, abs)
	}
	if e.clock == nil {
		e.clock = clock.RealClock{}
	}
	if e.grace <= 0 {
		e.grace = 10 * time.Second
	}
	if e.backoff.Initial <= 0 {
		e.backoff.Initial = 500 * time.Millisecond
	}
	if e.backoff.Max <= 0 {
		e.backoff.Max = 30 * time.Second
	}
	if e.backoff.ResetAfter <= 0 {
		e.backoff.ResetAfter = time.Minute
	}
	return e, nil
}

// Close ends supervision and releases the state directory. It leaves the processes
// running, so that a new Executor, for example of a restarted gardenlet, adopts them.
// Processes that this Executor started are still reaped when they exit. Calls on a closed
// Executor other than Status fail.
func (e *Executor) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	var all []*supervisor
	for _, sups := range e.sets {
		for _, s := range sups {
			all = append(all, s)
		}
	}
	e.sets = map[string]map[string]*supervisor{}
	lock := e.lock
	e.lock = nil
	e.mu.Unlock()

	var wg sync.WaitGroup
	for _, s := range all {
		wg.Go(s.halt)
	}
	wg.Wait()
	if lock != nil {
		return lock.Close()
	}
	return nil
}

// begin prepares a change of set: it checks that the executor is open, holds the state
// directory lock, and locks the set. The returned function unlocks the set.
func (e *Executor) begin(set string) (func(), error) {
	if err := validName("set", set); err != nil {
		return nil, err
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, errors.New("process executor is closed")
	}
	if e.lock == nil {
		f, err := lockStateDir(e.stateDir)
		if err != nil {
			e.mu.Unlock()
			return nil, err
		}
		e.lock = f
	}
	m := e.setLocks[set]
	if m == nil {
		m = &sync.Mutex{}
		e.setLocks[set] = m
	}
	e.mu.Unlock()
	m.Lock()
	return m.Unlock, nil
}

func lockStateDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock state directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("state directory %s is in use by another process executor (it holds %s)", dir, path)
		}
		return nil, fmt.Errorf("lock state directory: %w", err)
	}
	return f, nil
}

func (e *Executor) supervisor(set, name string) *supervisor {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sets[set][name]
}

func (e *Executor) register(set string, s *supervisor) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return fmt.Errorf("set %s: component %s: process executor is closed", set, s.comp.Name)
	}
	if e.sets[set] == nil {
		e.sets[set] = map[string]*supervisor{}
	}
	e.sets[set][s.comp.Name] = s
	return nil
}

func (e *Executor) takeSupervisor(set, name string) *supervisor {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.sets[set][name]
	delete(e.sets[set], name)
	if len(e.sets[set]) == 0 {
		delete(e.sets, set)
	}
	return s
}

// Deploy brings the set to its description: it stops the components that left the set,
// then starts, adopts or replaces the components group by group in dependency order (the
// components of one group in parallel) and waits for each to become ready.
func (e *Executor) Deploy(ctx context.Context, set component.Set) error {
	if err := set.Validate(); err != nil {
		return err
	}
	for _, c := range set.Components {
		if err := validName("component", c.Name); err != nil {
			return fmt.Errorf("set %s: %w", set.Name, err)
		}
	}
	groups, err := set.Groups()
	if err != nil {
		return err
	}
	unlock, err := e.begin(set.Name)
	if err != nil {
		return err
	}
	defer unlock()

	wanted := map[string]bool{}
	record := setRecord{}
	for _, g := range groups {
		for _, c := range g {
			wanted[c.Name] = true
			record.Components = append(record.Components, setMember{Name: c.Name, DependsOn: c.DependsOn})
		}
	}
	var gone [][]string
	for _, g := range e.stopOrder(set.Name) {
		var left []string
		for _, name := range g {
			if !wanted[name] {
				left = append(left, name)
			}
		}
		if len(left) > 0 {
			gone = append(gone, left)
		}
	}
	if err := e.stopGroups(ctx, set.Name, gone, true); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(e.setDir(set.Name), setFileName), record); err != nil {
		return fmt.Errorf("set %s: %w", set.Name, err)
	}

	for _, g := range groups {
		errs := make([]error, len(g))
		var wg sync.WaitGroup
		for i, c := range g {
			wg.Go(func() { errs[i] = e.ensure(ctx, set.Name, c) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
	}
	return nil
}

// ensure makes one component run as described and waits until it is ready.
func (e *Executor) ensure(ctx context.Context, set string, c component.Component) error {
	dir := e.componentDir(set, c.Name)
	hash := c.Hash()
	log := e.log.WithValues("set", set, "component", c.Name)

	if s := e.supervisor(set, c.Name); s != nil {
		if s.hash == hash {
			return s.waitReady(ctx)
		}
		log.Info("Replacing component", "pid", s.current().pid, "reason", "description changed")
		if err := e.stopComponent(ctx, set, c.Name); err != nil {
			return err
		}
	} else {
		st, err := readProcessState(dir)
		switch {
		case err == nil:
			running := alive(st.PID, st.StartTime)
			if running && st.Hash == hash {
				inc := e.newIncarnation(c, dir, st.PID, st.StartTime, st.Started)
				s := e.newSupervisor(set, c, dir, expandProbe(c.Readiness, runVars(c, dir)), inc, st.Restarts, true)
				if err := e.register(set, s); err != nil {
					s.halt()
					return err
				}
				log.Info("Adopted component", "pid", st.PID)
				return s.waitReady(ctx)
			}
			if running {
				log.Info("Replacing component", "pid", st.PID, "reason", "description changed")
			}
			// Also ends what a crashed leader left in its process group.
			if err := e.killGroup(ctx, st.PID, st.StartTime); err != nil {
				return fmt.Errorf("set %s: component %s: stop the old process: %w", set, c.Name, err)
			}
		case !errors.Is(err, fs.ErrNotExist):
			// Without a readable state the old process is unknown; the port check below
			// still refuses to start next to it.
			log.Error(err, "Ignoring unreadable process state")
		}
	}

	inc, err := e.start(set, c, dir, 0)
	if err != nil {
		return err
	}
	s := e.newSupervisor(set, c, dir, expandProbe(c.Readiness, runVars(c, dir)), inc, 0, false)
	if err := e.register(set, s); err != nil {
		s.halt()
		return err
	}
	return s.waitReady(ctx)
}

// runVars returns the variables that $(VAR) references of the component may use: the
// working directory and the component's environment.
func runVars(c component.Component, dir string) map[string]string {
	vars, _ := runEnv(c, dir)
	return vars
}

// runEnv expands the component's environment as Kubernetes does: a value may refer to the
// working directory and to variables defined before it.
func runEnv(c component.Component, dir string) (map[string]string, []string) {
	vars := map[string]string{component.WorkDirVar: dir}
	env := make([]string, 0, len(c.Env)+1)
	for _, v := range c.Env {
		if v.Name == component.WorkDirVar {
			continue
		}
		val := component.Expand(v.Value, vars)
		vars[v.Name] = val
		env = append(env, v.Name+"="+val)
	}
	env = append(env, component.WorkDirVar+"="+dir)
	vars[component.WorkDirVar] = dir
	return vars, env
}

func (e *Executor) newIncarnation(c component.Component, dir string, pid int, startTime uint64, started time.Time) *incarnation {
	_, env := runEnv(c, dir)
	return &incarnation{
		pid:       pid,
		startTime: startTime,
		started:   started,
		done:      make(chan struct{}),
		ready:     make(chan struct{}),
		target:    probeTarget{dir: dir, env: env},
	}
}

// start writes the component's files and starts its process as the leader of a new
// process group, with output appended to its log.
func (e *Executor) start(set string, c component.Component, dir string, restarts int) (*incarnation, error) {
	bin, err := e.resolveBinary(c.Binary)
	if err != nil {
		return nil, fmt.Errorf("set %s: component %s: %w", set, c.Name, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("set %s: component %s: %w", set, c.Name, err)
	}
	if err := writeFiles(dir, c.Files); err != nil {
		return nil, fmt.Errorf("set %s: component %s: %w", set, c.Name, err)
	}
	for _, p := range c.Ports {
		if err := portFree(p.Port); err != nil {
			return nil, fmt.Errorf("set %s: component %s: port %d (%s) on 127.0.0.1 is busy, another process holds it: %w", set, c.Name, p.Port, p.Name, err)
		}
	}
	vars, env := runEnv(c, dir)
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		args[i] = component.Expand(a, vars)
	}

	out, err := os.OpenFile(logPath(dir, c.Name), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("set %s: component %s: %w", set, c.Name, err)
	}
	// The child gets the file itself, not a pipe, so its output still lands in the log
	// when this process is gone.
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	_ = out.Close()
	if err != nil {
		return nil, fmt.Errorf("set %s: component %s: start %s: %w", set, c.Name, bin, err)
	}

	pid := cmd.Process.Pid
	inc := e.newIncarnation(c, dir, pid, 0, e.clock.Now())
	// The stat of a child stays readable until it is reaped, below.
	stat, statErr := readStat(pid)
	inc.startTime = stat.startTime
	go func() {
		inc.err = cmd.Wait()
		close(inc.done)
	}()
	if statErr == nil {
		statErr = writeProcessState(dir, &processState{
			PID:       pid,
			StartTime: stat.startTime,
			Hash:      c.Hash(),
			Binary:    bin,
			Started:   inc.started,
			Restarts:  restarts,
			Ports:     c.Ports,
			Readiness: expandProbe(c.Readiness, vars),
		})
	}
	if statErr != nil {
		_ = signalGroup(pid, syscall.SIGKILL)
		<-inc.done
		return nil, fmt.Errorf("set %s: component %s: record process %d: %w", set, c.Name, pid, statErr)
	}
	e.log.Info("Started component", "set", set, "component", c.Name, "pid", pid, "binary", bin, "logPath", logPath(dir, c.Name))
	return inc, nil
}

// portFree reports an error when a process listens on 127.0.0.1:port.
func portFree(port int) error {
	if port <= 0 {
		return nil
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	return l.Close()
}

// Stop stops the components of the set in reverse dependency order and keeps their state.
// It works from the state directory alone, so it also stops what an earlier executor left.
func (e *Executor) Stop(ctx context.Context, set string) error {
	unlock, err := e.begin(set)
	if err != nil {
		return err
	}
	defer unlock()
	return e.stopGroups(ctx, set, e.stopOrder(set), false)
}

// Delete stops the set and removes its state directory.
func (e *Executor) Delete(ctx context.Context, set string) error {
	unlock, err := e.begin(set)
	if err != nil {
		return err
	}
	defer unlock()
	if err := e.stopGroups(ctx, set, e.stopOrder(set), false); err != nil {
		return err
	}
	if err := os.RemoveAll(e.setDir(set)); err != nil {
		return fmt.Errorf("set %s: remove state: %w", set, err)
	}
	e.log.Info("Deleted set", "set", set)
	return nil
}

// StopAll stops every set that this executor supervises or finds in its state directory.
func (e *Executor) StopAll(ctx context.Context) error {
	names := map[string]bool{}
	for _, n := range subdirs(e.stateDir) {
		names[n] = true
	}
	e.mu.Lock()
	for n := range e.sets {
		names[n] = true
	}
	e.mu.Unlock()
	errs := make(chan error, len(names))
	var wg sync.WaitGroup
	for n := range names {
		wg.Go(func() { errs <- e.Stop(ctx, n) })
	}
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

// stopOrder returns the set's components as groups to stop one after the other: first
// components found only on disk, then the recorded components in reverse dependency order.
func (e *Executor) stopOrder(set string) [][]string {
	dir := e.setDir(set)
	var members []component.Component
	known := map[string]bool{}
	if rec, err := readSetRecord(dir); err == nil {
		for _, m := range rec.Components {
			members = append(members, component.Component{Name: m.Name, DependsOn: m.DependsOn})
			known[m.Name] = true
		}
	}
	var extra []string
	for _, n := range subdirs(dir) {
		if !known[n] {
			extra = append(extra, n)
			known[n] = true
		}
	}
	e.mu.Lock()
	for n := range e.sets[set] {
		if !known[n] {
			extra = append(extra, n)
		}
	}
	e.mu.Unlock()

	var order [][]string
	if len(extra) > 0 {
		order = append(order, extra)
	}
	groups, err := (&component.Set{Name: set, Components: members}).Groups()
	if err != nil {
		groups = [][]component.Component{members}
	}
	for i := len(groups) - 1; i >= 0; i-- {
		var names []string
		for _, c := range groups[i] {
			names = append(names, c.Name)
		}
		if len(names) > 0 {
			order = append(order, names)
		}
	}
	return order
}

// stopGroups stops the groups one after the other and the components of a group in
// parallel. With remove it also removes the working directories of stopped components.
// It goes on after an error, so that as few processes as possible remain.
func (e *Executor) stopGroups(ctx context.Context, set string, groups [][]string, remove bool) error {
	var all []error
	for _, g := range groups {
		errs := make([]error, len(g))
		var wg sync.WaitGroup
		for i, name := range g {
			wg.Go(func() {
				errs[i] = e.stopComponent(ctx, set, name)
				if errs[i] == nil && remove {
					e.log.Info("Removing component", "set", set, "component", name)
					if err := os.RemoveAll(e.componentDir(set, name)); err != nil {
						errs[i] = fmt.Errorf("set %s: component %s: remove state: %w", set, name, err)
					}
				}
			})
		}
		wg.Wait()
		all = append(all, errs...)
	}
	return errors.Join(all...)
}

// stopComponent ends supervision of the component and its process group.
func (e *Executor) stopComponent(ctx context.Context, set, name string) error {
	if s := e.takeSupervisor(set, name); s != nil {
		s.halt()
	}
	st, err := readProcessState(e.componentDir(set, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("set %s: stop component %s: %w", set, name, err)
	}
	if alive(st.PID, st.StartTime) {
		e.log.Info("Stopping component", "set", set, "component", name, "pid", st.PID)
	}
	if err := e.killGroup(ctx, st.PID, st.StartTime); err != nil {
		return fmt.Errorf("set %s: stop component %s: %w", set, name, err)
	}
	return nil
}

// Status reports the components of the set in deploy order. For a set that this executor
// does not supervise it reads the state directory and probes running processes once. A
// set that was never deployed has no components.
func (e *Executor) Status(ctx context.Context, set string) ([]component.Status, error) {
	if err := validName("set", set); err != nil {
		return nil, err
	}
	e.mu.Lock()
	sups := make(map[string]*supervisor, len(e.sets[set]))
	for n, s := range e.sets[set] {
		sups[n] = s
	}
	e.mu.Unlock()

	dir := e.setDir(set)
	var order []string
	known := map[string]bool{}
	if rec, err := readSetRecord(dir); err == nil {
		for _, m := range rec.Components {
			order = append(order, m.Name)
			known[m.Name] = true
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("set %s: %w", set, err)
	}
	for n := range sups {
		if !known[n] {
			order = append(order, n)
		}
	}

	out := make([]component.Status, 0, len(order))
	for _, n := range order {
		if s := sups[n]; s != nil {
			out = append(out, s.status())
			continue
		}
		out = append(out, e.diskStatus(ctx, set, n))
	}
	return out, nil
}

// diskStatus reports a component that no supervisor of this executor watches.
func (e *Executor) diskStatus(ctx context.Context, set, name string) component.Status {
	dir := e.componentDir(set, name)
	cs := component.Status{Name: name, Phase: component.PhaseStopped, LogPath: logPath(dir, name)}
	st, err := readProcessState(dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			cs.Message = err.Error()
		}
		return cs
	}
	cs.Ports, cs.Restarts = st.Ports, st.Restarts
	if !alive(st.PID, st.StartTime) {
		return cs
	}
	cs.PID, cs.Started = st.PID, st.Started
	target := probeTarget{dir: dir, env: []string{component.WorkDirVar + "=" + dir}}
	if err := e.probe(ctx, st.Readiness, target); err != nil {
		cs.Phase, cs.Message = component.PhaseStarting, "not ready: "+err.Error()
	} else {
		cs.Phase = component.PhaseReady
	}
	return cs
}
