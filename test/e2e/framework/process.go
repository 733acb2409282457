package framework

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// stateFile is where the process executor records a started process, in the component's
// directory <state dir>/<set>/<component>.
const stateFile = ".state.json"

// PID returns the pid that the process executor with state directory dir recorded for the
// component of set.
func PID(dir, set, component string) (int, error) {
	return readPID(filepath.Join(dir, set, component, stateFile))
}

// PIDs returns every pid that the process executor with state directory dir recorded, by
// "<set>/<component>".
func PIDs(dir string) (map[string]int, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*", "*", stateFile))
	if err != nil {
		return nil, err
	}
	pids := map[string]int{}
	for _, f := range files {
		pid, err := readPID(f)
		if err != nil {
			return nil, err
		}
		rel, err := filepath.Rel(dir, filepath.Dir(f))
		if err != nil {
			return nil, err
		}
		pids[filepath.ToSlash(rel)] = pid
	}
	return pids, nil
}

// readPID reads the pid of a state file; it reads only the pid, so that the suites do not
// depend on the executor's other fields.
func readPID(file string) (int, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	var st struct {
		PID int `json:"pid"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return 0, fmt.Errorf("%s: %w", file, err)
	}
	return st.PID, nil
}

// Alive tells whether the process pid runs. A zombie counts as gone: nothing reaps it here.
func Alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndex(s, ")")
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// RSS returns the resident memory of the processes pids together, in bytes: the sum of
// their VmRSS in /proc/<pid>/status.
func RSS(pids ...int) (int64, error) {
	var total int64
	for _, pid := range pids {
		rss, err := vmRSS(pid)
		if err != nil {
			return 0, err
		}
		total += rss
	}
	return total, nil
}

// Memory is the memory of processes together, in bytes, from /proc/<pid>/smaps_rollup.
type Memory struct {
	// RSS counts every resident page, also the pages of binaries that other processes
	// share.
	RSS int64
	// PSS divides each shared page among the processes that map it: what the processes
	// cost the machine.
	PSS int64
	// Anonymous is their own memory (heaps, stacks), shared with nobody.
	Anonymous int64
}

// MemoryOf sums the memory of the processes pids.
func MemoryOf(pids ...int) (Memory, error) {
	var m Memory
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
		if err != nil {
			return m, fmt.Errorf("process %d: %w", pid, err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) != 3 || f[2] != "kB" {
				continue
			}
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				return m, fmt.Errorf("process %d: %s: %w", pid, f[0], err)
			}
			switch f[0] {
			case "Rss:":
				m.RSS += kb << 10
			case "Pss:":
				m.PSS += kb << 10
			case "Anonymous:":
				m.Anonymous += kb << 10
			}
		}
	}
	return m, nil
}

func vmRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("process %d: %w", pid, err)
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("process %d: VmRSS: %w", pid, err)
			}
			return kb << 10, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("process %d: %w", pid, err)
	}
	return 0, fmt.Errorf("process %d reports no VmRSS", pid)
}

// Listening tells whether something accepts TCP connections on port of 127.0.0.1.
func Listening(port int) bool {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 200*time.Millisecond)
	if err != nil {
		return false
	}
	_ = conn.Close()
	return true
}

// ProcessesIn lists the live processes whose working directory is below dir, as
// "pid:relative working directory": for example the processes of one shoot, whichever
// process started them.
func ProcessesIn(dir string) ([]string, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !Alive(pid) {
			continue
		}
		cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if err == nil && strings.HasPrefix(cwd, dir+string(filepath.Separator)) {
			out = append(out, fmt.Sprintf("%d:%s", pid, strings.TrimPrefix(cwd, dir)))
		}
	}
	return out, nil
}
