package landscape

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/executor/process"
	"github.com/hortus-dev/hortus/pkg/ports"
)

// Down stops the landscape gracefully and keeps its data; with purge it then removes the
// state directory. It asks the supervisor to stop (SIGTERM) and waits for it; then it
// stops whatever is still running from the state directory alone, so it also cleans up
// after a supervisor that was killed.
func Down(ctx context.Context, o Options, purge bool, out io.Writer) error {
	o, err := o.complete()
	if err != nil {
		return err
	}
	l := o.layout()
	if _, err := os.Stat(l.Dir); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(out, "No landscape in %s; nothing to stop.\n", l.Dir)
		return nil
	}
	if purge {
		if err := looksLikeStateDir(l); err != nil {
			return err
		}
	}
	start := time.Now()
	isRunning, err := running(l)
	if err != nil {
		return err
	}
	if isRunning {
		p, err := ReadProgress(l.Progress())
		if err != nil {
			return fmt.Errorf("the supervisor runs but its progress file cannot be read: %w", err)
		}
		fmt.Fprintf(out, "Stopping the landscape in %s (supervisor pid %d)…\n", l.Dir, p.PID)
		if err := syscall.Kill(p.PID, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("signalling the supervisor (pid %d): %w", p.PID, err)
		}
		if err := waitUnlocked(ctx, l, 3*time.Minute); err != nil {
			return err
		}
	}

	ex, err := process.New(process.Options{StateDir: l.Components()})
	if err != nil {
		return err
	}
	err = stopLandscape(ctx, l, ex, nil, o.Logger)
	err = errors.Join(err, ex.Close())
	if err != nil {
		return fmt.Errorf("stopping the landscape: %w", err)
	}
	if left := runningComponents(ctx, l); len(left) > 0 {
		return fmt.Errorf("still running after stop: %v", left)
	}
	if purge {
		if err := os.RemoveAll(l.Dir); err != nil {
			return fmt.Errorf("removing %s: %w", l.Dir, err)
		}
		if err := ports.New(l.Ports()).Forget(); err != nil {
			return err
		}
		fmt.Fprintf(out, "Stopped and removed the landscape in %s (%s).\n", l.Dir, round(time.Since(start)))
		return nil
	}
	fmt.Fprintf(out, "Stopped the landscape in %s (%s). Its data is kept: 'hortus up' resumes it, 'hortus down --purge' removes it.\n", l.Dir, round(time.Since(start)))
	return nil
}

// waitUnlocked waits until the supervisor released its lock, that is, has exited.
func waitUnlocked(ctx context.Context, l Layout, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		isRunning, err := running(l)
		if err != nil {
			return err
		}
		if !isRunning {
			return nil
		}
		if time.Now().After(deadline) {
			return &UserError{
				Err:  fmt.Errorf("the supervisor did not stop within %s", timeout),
				Hint: "See " + l.SupervisorLog() + "; 'hortus down' again stops what is left once the supervisor is gone.",
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// looksLikeStateDir refuses to purge a directory that is not a landscape's, so that a
// mistyped --state-dir cannot remove unrelated files.
func looksLikeStateDir(l Layout) error {
	for _, f := range []string{l.Progress(), l.Settings(), l.Components(), l.Lock()} {
		if _, err := os.Stat(f); err == nil {
			return nil
		}
	}
	return &UserError{
		Err:  fmt.Errorf("%s does not look like a landscape's state directory (no %s); not removing it", l.Dir, "landscape.json"),
		Hint: "Check --state-dir.",
	}
}

// runningComponents lists set/component of every process of the landscape that runs.
func runningComponents(ctx context.Context, l Layout) []string {
	var out []string
	for _, dir := range append([]string{l.Components()}, seedStateDirs(l)...) {
		sets, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		ex, err := process.New(process.Options{StateDir: dir})
		if err != nil {
			continue
		}
		for _, s := range sets {
			if !s.IsDir() {
				continue
			}
			st, _ := ex.Status(ctx, s.Name())
			for _, c := range st {
				if c.Phase != component.PhaseStopped {
					out = append(out, s.Name()+"/"+c.Name)
				}
			}
		}
		_ = ex.Close()
	}
	return out
}
