package process

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// procStat is what the executor reads from /proc/<pid>/stat.
type procStat struct {
	state byte
	pgid  int
	// startTime is field 22, the time the process started after boot in clock ticks. With
	// the pid it identifies a process even when the kernel reuses pids.
	startTime uint64
}

// running reports whether process pid, whose stat is s, still runs. When the main thread
// exits first, the process shows as a zombie while its other threads still run and hold
// its files and sockets; only then is it gone.
func (s procStat) running(pid int) bool {
	if s.state != 'Z' && s.state != 'X' && s.state != 'x' {
		return true
	}
	tasks, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "task"))
	return err == nil && len(tasks) > 1
}

func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStat{}, err
	}
	return parseStat(b)
}

// parseStat parses /proc/<pid>/stat. The command name (field 2) sits in parentheses and may
// contain spaces and parentheses itself, so the fields after it are counted from the last ')'.
func parseStat(b []byte) (procStat, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("malformed stat %q", b)
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state), f[2] field 5 (pgrp), f[19] field 22 (starttime).
	if len(f) < 20 || len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("malformed stat %q", b)
	}
	pgid, err := strconv.Atoi(string(f[2]))
	if err != nil {
		return procStat{}, fmt.Errorf("malformed stat: pgrp: %w", err)
	}
	start, err := strconv.ParseUint(string(f[19]), 10, 64)
	if err != nil {
		return procStat{}, fmt.Errorf("malformed stat: starttime: %w", err)
	}
	return procStat{state: f[0][0], pgid: pgid, startTime: start}, nil
}

// alive reports whether the process with pid runs and is the one that started at startTime.
func alive(pid int, startTime uint64) bool {
	if pid <= 0 {
		return false
	}
	st, err := readStat(pid)
	return err == nil && st.running(pid) && st.startTime == startTime
}

// groupMembers returns the pids of the running (not zombie) processes in process group pgid.
func groupMembers(pgid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := readStat(pid)
		if err != nil || st.pgid != pgid || !st.running(pid) {
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}

// ownsGroup reports whether process group pid (the executor starts every component as the
// leader of its own group) still belongs to the process that started at startTime. When the
// leader is gone, remaining members are its descendants: the kernel does not hand out a pid
// again while a process group with that id exists.
func ownsGroup(pid int, startTime uint64) bool {
	if pid <= 1 {
		return false
	}
	st, err := readStat(pid)
	if err != nil {
		return true
	}
	return st.startTime == startTime
}

// killGroup ends process group pid: SIGTERM, up to grace for the group to exit, then
// SIGKILL. It returns once no process of the group runs. A cancelled ctx cuts the grace
// period short but still kills the group.
func (e *Executor) killGroup(ctx context.Context, pid int, startTime uint64) error {
	if !ownsGroup(pid, startTime) || len(groupMembers(pid)) == 0 {
		return nil
	}
	if err := signalGroup(pid, syscall.SIGTERM); err != nil {
		return err
	}
	if e.waitGroupGone(ctx, pid, e.grace) {
		return nil
	}
	if err := signalGroup(pid, syscall.SIGKILL); err != nil {
		return err
	}
	// SIGKILL cannot be ignored; the wait only covers the kernel tearing the processes down.
	if e.waitGroupGone(context.WithoutCancel(ctx), pid, killTimeout) {
		return nil
	}
	return fmt.Errorf("processes %v of process group %d still run after SIGKILL", groupMembers(pid), pid)
}

// killTimeout bounds the wait for processes to disappear after SIGKILL.
const killTimeout = 10 * time.Second

// pollInterval is how often the executor looks at /proc while it waits for processes.
const pollInterval = 50 * time.Millisecond

func signalGroup(pgid int, sig syscall.Signal) error {
	err := syscall.Kill(-pgid, sig)
	if err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("send %s to process group %d: %w", sig, pgid, err)
	}
	return nil
}

// waitGroupGone polls until no process of group pgid runs, for at most d or until ctx ends.
func (e *Executor) waitGroupGone(ctx context.Context, pgid int, d time.Duration) bool {
	deadline := e.clock.NewTimer(d)
	defer deadline.Stop()
	for {
		if len(groupMembers(pgid)) == 0 {
			return true
		}
		t := e.clock.NewTimer(pollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return len(groupMembers(pgid)) == 0
		case <-deadline.C():
			t.Stop()
			return len(groupMembers(pgid)) == 0
		case <-t.C():
		}
	}
}
