package process

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/go-logr/logr"

	"github.com/hortus-dev/hortus/pkg/component"
)

// incarnation is one run of a component's process.
type incarnation struct {
	pid       int
	startTime uint64
	started   time.Time
	// done is closed once the process exited. For an adopted process, which is no child of
	// this executor, it is closed when the supervisor sees the process gone from /proc.
	done chan struct{}
	// err tells how the process exited; it is set before done is closed.
	err error
	// ready is closed once the process passed its readiness probe.
	ready     chan struct{}
	readyOnce sync.Once
	// target is where exec probes run.
	target probeTarget
}

func (i *incarnation) markReady() { i.readyOnce.Do(func() { close(i.ready) }) }

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
	}
	return false
}

// supervisor watches one component: it probes its process until ready and restarts it with
// back-off when it exits. The process itself outlives the supervisor unless Stop ends it.
type supervisor struct {
	e       *Executor
	set     string
	comp    component.Component
	hash    string
	dir     string
	logPath string
	log     logr.Logger
	// probe is the expanded readiness probe.
	probe *component.Probe

	cancel context.CancelFunc
	// quit is closed when supervision ends.
	quit chan struct{}
	wg   sync.WaitGroup

	mu       sync.Mutex
	inc      *incarnation
	phase    component.Phase
	message  string
	restarts int
}

func (e *Executor) newSupervisor(set string, c component.Component, dir string, probe *component.Probe, inc *incarnation, restarts int, adopted bool) *supervisor {
	ctx, cancel := context.WithCancel(context.Background())
	s := &supervisor{
		e:        e,
		set:      set,
		comp:     c,
		hash:     c.Hash(),
		dir:      dir,
		logPath:  logPath(dir, c.Name),
		log:      e.log.WithValues("set", set, "component", c.Name),
		probe:    probe,
		cancel:   cancel,
		quit:     make(chan struct{}),
		inc:      inc,
		phase:    component.PhaseStarting,
		restarts: restarts,
	}
	if adopted {
		s.watchAdopted(ctx, inc)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.run(ctx)
	}()
	return s
}

// halt ends supervision and waits for the supervisor's goroutines. It leaves the process
// running.
func (s *supervisor) halt() {
	s.mu.Lock()
	if !isClosed(s.quit) {
		close(s.quit)
	}
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

func (s *supervisor) current() *incarnation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inc
}

func (s *supervisor) status() component.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := component.Status{
		Name:     s.comp.Name,
		Phase:    s.phase,
		Ports:    slices.Clone(s.comp.Ports),
		Started:  s.inc.started,
		Restarts: s.restarts,
		Message:  s.message,
		LogPath:  s.logPath,
	}
	if s.phase != component.PhaseCrashed {
		st.PID = s.inc.pid
	}
	return st
}

// watchAdopted closes inc.done when the adopted process disappears. It cannot wait for the
// process, which is not its child, so it polls /proc.
func (s *supervisor) watchAdopted(ctx context.Context, inc *incarnation) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for alive(inc.pid, inc.startTime) {
			t := s.e.clock.NewTimer(adoptedPollInterval)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C():
			}
		}
		inc.err = errors.New("the adopted process exited")
		close(inc.done)
	}()
}

// adoptedPollInterval is how often a supervisor looks for an adopted process in /proc.
const adoptedPollInterval = 200 * time.Millisecond

func (s *supervisor) run(ctx context.Context) {
	var delay time.Duration
	for {
		inc := s.current()
		s.probeUntilReady(ctx, inc)
		select {
		case <-ctx.Done():
			return
		case <-inc.done:
		}

		delay = s.e.backoff.next(delay, s.e.clock.Since(inc.started))
		s.setPhase(inc, component.PhaseCrashed, fmt.Sprintf("exited: %v; restarting in %s", inc.err, delay))
		s.log.Info("Component exited", "pid", inc.pid, "reason", fmt.Sprint(inc.err), "restartIn", delay.String())

		for {
			t := s.e.clock.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C():
			}
			// Whatever the crashed process left in its group (and might hold its ports) goes first.
			err := s.e.killGroup(ctx, inc.pid, inc.startTime)
			var next *incarnation
			if err == nil && ctx.Err() == nil {
				s.mu.Lock()
				restarts := s.restarts + 1
				s.mu.Unlock()
				next, err = s.e.start(s.set, s.comp, s.dir, restarts)
			}
			if ctx.Err() != nil {
				// Stop or Close came in while the process started. The process stays: Stop
				// ends it from the state file, and after Close the next executor adopts it.
				if next != nil {
					s.mu.Lock()
					s.inc = next
					s.mu.Unlock()
				}
				return
			}
			if err == nil {
				s.mu.Lock()
				s.restarts++
				s.inc, s.phase, s.message = next, component.PhaseStarting, ""
				restarts := s.restarts
				s.mu.Unlock()
				s.log.Info("Restarted component", "pid", next.pid, "restarts", restarts)
				break
			}
			delay = s.e.backoff.next(delay, 0)
			s.setPhase(inc, component.PhaseCrashed, fmt.Sprintf("restart failed: %v; retrying in %s", err, delay))
			s.log.Error(err, "Restart failed", "retryIn", delay.String())
		}
	}
}

func (s *supervisor) setPhase(inc *incarnation, phase component.Phase, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inc == inc {
		s.phase, s.message = phase, msg
	}
}

// probeUntilReady probes inc until it is ready, exits, or supervision ends.
func (s *supervisor) probeUntilReady(ctx context.Context, inc *incarnation) {
	period := probePeriod(s.probe)
	for {
		err := s.e.probe(ctx, s.probe, inc.target)
		if err == nil {
			s.setPhase(inc, component.PhaseReady, "")
			inc.markReady()
			s.log.V(1).Info("Component ready", "pid", inc.pid)
			return
		}
		s.setPhase(inc, component.PhaseStarting, "not ready: "+err.Error())
		t := s.e.clock.NewTimer(period)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-inc.done:
			t.Stop()
			return
		case <-t.C():
		}
	}
}

// waitReady waits until the supervised process is ready. It fails when the process exits
// first or does not become ready within the probe's timeout, quoting the end of its log.
func (s *supervisor) waitReady(ctx context.Context) error {
	s.mu.Lock()
	inc, msg := s.inc, s.message
	s.mu.Unlock()
	if isClosed(inc.ready) {
		return nil
	}
	if isClosed(inc.done) {
		return fmt.Errorf("set %s: component %s is not running: %s%s", s.set, s.comp.Name, msg, logTail(s.logPath))
	}
	timeout := readyTimeout(s.probe)
	t := s.e.clock.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-inc.ready:
		return nil
	case <-inc.done:
		if isClosed(inc.ready) {
			return nil
		}
		return fmt.Errorf("set %s: component %s exited before it became ready: %v%s", s.set, s.comp.Name, inc.err, logTail(s.logPath))
	case <-t.C():
		if isClosed(inc.ready) {
			return nil
		}
		s.mu.Lock()
		msg = s.message
		s.mu.Unlock()
		return fmt.Errorf("set %s: component %s did not become ready within %s (%s)%s", s.set, s.comp.Name, timeout, msg, logTail(s.logPath))
	case <-s.quit:
		return fmt.Errorf("set %s: component %s: supervision ended before it became ready", s.set, s.comp.Name)
	case <-ctx.Done():
		return fmt.Errorf("set %s: wait for component %s to become ready: %w", s.set, s.comp.Name, ctx.Err())
	}
}
