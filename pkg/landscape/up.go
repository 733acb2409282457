package landscape

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Up starts the landscape in the background and follows its bring-up on out, one line
// per finished step, until every seed is Ready; then it prints what to do next. The
// supervisor (`hortus up --foreground`, see Serve) keeps running after Up returns. When a
// supervisor already runs on the state directory, Up says so and starts nothing.
func Up(ctx context.Context, o Options, out io.Writer) error {
	o, err := o.complete()
	if err != nil {
		return err
	}
	l := o.layout()
	if err := os.MkdirAll(l.Dir, 0o700); err != nil {
		return &UserError{Err: fmt.Errorf("creating the state directory: %w", err), Hint: "Pick a writable directory with --state-dir."}
	}
	if isRunning, err := running(l); err != nil {
		return err
	} else if isRunning {
		pid := 0
		if p, err := ReadProgress(l.Progress()); err == nil {
			pid = p.PID
		}
		fmt.Fprintf(out, "The landscape in %s is already running (supervisor pid %d); nothing was started.\n", l.Dir, pid)
		fmt.Fprintln(out, "  'hortus status' shows it; 'hortus down' stops it.")
		return nil
	}
	if err := preflight(o); err != nil {
		return err
	}

	exe, err := os.Executable()
	if err != nil {
		return err
	}
	logFile, err := os.OpenFile(l.SupervisorLog(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	args := []string{"up", "--foreground", "--state-dir", l.Dir, "--bin-dir", o.BinDir,
		"--timeout", o.Timeout.String(), "--min-free-disk", strconv.FormatInt(o.MinFreeDisk, 10)}
	if o.Seeds > 0 {
		args = append(args, "--seeds", strconv.Itoa(o.Seeds))
	}
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own session: the supervisor outlives this command and the terminal's signals.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	_ = logFile.Close()
	if err != nil {
		return fmt.Errorf("starting the supervisor: %w", err)
	}
	pid := cmd.Process.Pid
	// Reap it if it exits while we follow; otherwise it is adopted by init when we exit.
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	fmt.Fprintf(out, "Starting the local landscape in %s (supervisor pid %d, log %s)\n", l.Dir, pid, l.SupervisorLog())
	return follow(ctx, l, pid, exited, out)
}

// follow prints the supervisor's progress until the landscape is Ready or Failed.
func follow(ctx context.Context, l Layout, pid int, exited <-chan error, out io.Writer) error {
	printed := 0
	waiting := map[int]bool{}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		p, err := ReadProgress(l.Progress())
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if p != nil && p.PID == pid {
			now := time.Now()
			for printed < len(p.Steps) && p.Steps[printed].State != StepRunning {
				printStep(out, p.Steps[printed], now)
				printed++
			}
			if printed < len(p.Steps) {
				if s := p.Steps[printed]; !waiting[printed] && s.Duration(now) > 3*time.Second {
					waiting[printed] = true
					fmt.Fprintf(out, "  … %s (waiting)\n", s.Name)
				}
			}
			switch p.Phase {
			case PhaseReady:
				printSummary(out, l, p, now)
				return nil
			case PhaseFailed, PhaseStopped:
				if p.Error != "" {
					return failed(out, p, printed, now)
				}
			}
		}
		select {
		case <-ctx.Done():
			fmt.Fprintf(out, "\nNo longer following; the landscape goes on starting in the background. 'hortus status' shows it, 'hortus down' stops it.\n")
			return ctx.Err()
		case err := <-exited:
			// The supervisor exited before it reported Ready: show why.
			if p, perr := ReadProgress(l.Progress()); perr == nil && p.PID == pid && p.Error != "" {
				return failed(out, p, printed, time.Now())
			}
			if err == nil {
				err = errors.New("exited")
			}
			return &UserError{
				Err:  fmt.Errorf("the supervisor (pid %d) stopped before the landscape was ready: %w\n%s", pid, err, tail(l.SupervisorLog(), 15)),
				Hint: "See " + l.SupervisorLog() + ".",
			}
		case <-tick.C:
		}
	}
}

// failed prints the steps not printed yet, the failed one among them, and returns the
// supervisor's error.
func failed(out io.Writer, p *Progress, printed int, now time.Time) error {
	for ; printed < len(p.Steps); printed++ {
		printStep(out, p.Steps[printed], now)
	}
	fmt.Fprintf(out, "\nThe landscape did not start; what it had started was stopped again.\n")
	return &UserError{Err: errors.New(p.Error), Hint: p.Hint}
}

func printStep(out io.Writer, s Step, now time.Time) {
	mark := "✓"
	if s.State == StepFailed {
		mark = "✗"
	}
	fmt.Fprintf(out, "  %s %-62s %6s\n", mark, s.Name, round(s.Duration(now)))
	if s.State == StepFailed && s.Message != "" {
		fmt.Fprintf(out, "      %s\n", strings.ReplaceAll(s.Message, "\n", "\n      "))
	}
}

func round(d time.Duration) string {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func printSummary(out io.Writer, l Layout, p *Progress, now time.Time) {
	kc := relative(l.GardenKubeconfig())
	hortus := "hortus"
	if exe, err := os.Executable(); err == nil {
		if rel := relative(exe); rel != exe {
			hortus = rel
		}
	}
	stateFlag := ""
	if l.Dir != mustAbs(DefaultStateDir) {
		stateFlag = " --state-dir " + relative(l.Dir)
	}
	fmt.Fprintf(out, `
The local landscape is ready (%s): a garden and %d seed(s): %s.

  The garden's kubeconfig:
    export KUBECONFIG=%s
    kubectl get seeds,projects,cloudprofiles

  Create a shoot (in project local, namespace garden-local) and watch it:
    kubectl apply -f landscape/local/shoot.yaml
    kubectl -n garden-local get shoots -w

  Get its admin kubeconfig once it is Succeeded, and use it:
    %s kubeconfig -n garden-local local -o local.kubeconfig
    kubectl --kubeconfig local.kubeconfig get namespaces

  See every component:  %s status%s
  Stop, keeping data:   %s down%s        (remove everything: add --purge)
`, round(now.Sub(p.Started)), len(p.Seeds), strings.Join(p.Seeds, ", "), kc, hortus, hortus, stateFlag, hortus, stateFlag)
}

// relative returns path relative to the working directory when it lies below it, so
// that printed commands stay short; otherwise path itself.
func relative(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	if rel, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

func mustAbs(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	return abs
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer func() { _ = f.Close() }()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
