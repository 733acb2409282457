package process

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hortus-dev/hortus/pkg/component"
)

const (
	// stateFileName holds a component's processState in its working directory.
	stateFileName = ".state.json"
	// setFileName holds a set's setRecord in the set's directory.
	setFileName = ".set.json"
	// lockFileName is the executor's lock in the state directory.
	lockFileName = ".lock"
	// tailLines is how many lines of a component's log an error quotes.
	tailLines = 20
)

// processState is what the executor records about a started process, so that another
// executor can adopt, replace or stop it.
type processState struct {
	PID int `json:"pid"`
	// StartTime is field 22 of /proc/<pid>/stat; it guards against pid reuse.
	StartTime uint64 `json:"startTime"`
	// Hash is component.Hash of the description the process was started from.
	Hash string `json:"hash"`
	// Binary is the resolved path of the executable.
	Binary   string           `json:"binary"`
	Started  time.Time        `json:"started"`
	Restarts int              `json:"restarts"`
	Ports    []component.Port `json:"ports,omitempty"`
	// Readiness is the expanded probe, so that Status can probe without the description.
	Readiness *component.Probe `json:"readiness,omitempty"`
}

// setRecord is what the executor records about a set: its components in deploy order and
// their dependencies, so that Stop and Status work from the state directory alone.
type setRecord struct {
	Components []setMember `json:"components"`
}

type setMember struct {
	Name      string   `json:"name"`
	DependsOn []string `json:"dependsOn,omitempty"`
}

func (e *Executor) setDir(set string) string { return filepath.Join(e.stateDir, set) }

func (e *Executor) componentDir(set, name string) string {
	return filepath.Join(e.stateDir, set, name)
}

func logPath(dir, name string) string { return filepath.Join(dir, name+".log") }

// validName checks that name can be a directory of the state dir.
func validName(kind, name string) error {
	if name == "" || strings.HasPrefix(name, ".") || strings.ContainsAny(name, "/\x00") {
		return fmt.Errorf("%s name %q must be non-empty, must not start with a dot and must not contain a slash", kind, name)
	}
	return nil
}

func readProcessState(dir string) (*processState, error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFileName))
	if err != nil {
		return nil, err
	}
	st := &processState{}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Join(dir, stateFileName), err)
	}
	return st, nil
}

func writeProcessState(dir string, st *processState) error {
	return writeJSON(filepath.Join(dir, stateFileName), st)
}

func readSetRecord(dir string) (*setRecord, error) {
	b, err := os.ReadFile(filepath.Join(dir, setFileName))
	if err != nil {
		return nil, err
	}
	r := &setRecord{}
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Join(dir, setFileName), err)
	}
	return r, nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return writeFileAtomic(path, append(b, '\n'), 0o600)
}

// writeFileAtomic writes content to a temporary file next to path and renames it over
// path, so that readers see the old or the new content but never a part.
func writeFileAtomic(path string, content []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = tmp.Write(content)
	err = errors.Join(err, tmp.Chmod(mode), tmp.Sync(), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// writeFiles writes the component's files below dir.
func writeFiles(dir string, files []component.File) error {
	for _, f := range files {
		path := filepath.Join(dir, f.Path)
		if !strings.HasPrefix(path, dir+string(filepath.Separator)) {
			return fmt.Errorf("file %q leaves the working directory", f.Path)
		}
		mode := f.Mode
		if mode == 0 {
			mode = 0o600
		}
		if err := writeFileAtomic(path, f.Content, mode); err != nil {
			return err
		}
	}
	return nil
}

// subdirs lists the directories in dir whose names are valid set or component names.
func subdirs(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && validName("", e.Name()) == nil {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// logTail returns the last tailLines lines of the log at path, formatted for an error.
func logTail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Sprintf("; no log at %s", path)
		}
		return fmt.Sprintf("; cannot read log: %v", err)
	}
	defer func() { _ = f.Close() }()
	const maxTail = 64 << 10
	if info, err := f.Stat(); err == nil && info.Size() > maxTail {
		_, _ = f.Seek(info.Size()-maxTail, io.SeekStart)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return fmt.Sprintf("; cannot read log: %v", err)
	}
	b = bytes.TrimRight(b, "\n")
	if len(b) == 0 {
		return fmt.Sprintf("; log %s is empty", path)
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) > tailLines {
		lines = lines[len(lines)-tailLines:]
	}
	return fmt.Sprintf("; last %d lines of %s:\n\t%s", len(lines), path, strings.Join(lines, "\n\t"))
}
