package landscape

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Phase is the state of the landscape as a whole.
type Phase string

// Phases of a landscape.
const (
	PhaseStarting Phase = "Starting"
	PhaseReady    Phase = "Ready"
	PhaseFailed   Phase = "Failed"
	PhaseStopping Phase = "Stopping"
	PhaseStopped  Phase = "Stopped"
)

// StepState is the state of one step of the bring-up.
type StepState string

// States of a step.
const (
	StepRunning StepState = "Running"
	StepDone    StepState = "Done"
	StepFailed  StepState = "Failed"
)

// Step is one step of the bring-up or shut-down, such as starting a component.
type Step struct {
	Name     string     `json:"name"`
	State    StepState  `json:"state"`
	Started  time.Time  `json:"started"`
	Finished *time.Time `json:"finished,omitempty"`
	Message  string     `json:"message,omitempty"`
}

// Duration is how long the step ran, or has been running until now.
func (s Step) Duration(now time.Time) time.Duration {
	if s.Finished != nil {
		return s.Finished.Sub(s.Started)
	}
	return now.Sub(s.Started)
}

// Progress is what the supervisor reports in the state directory (Layout.Progress), for
// `hortus up` to follow and `hortus status` to show.
type Progress struct {
	// PID is the supervisor's process.
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
	Phase   Phase     `json:"phase"`
	Steps   []Step    `json:"steps"`
	// Error says why the phase is Failed, Hint what to do about it.
	Error string `json:"error,omitempty"`
	Hint  string `json:"hint,omitempty"`
	// Seeds are the names of the landscape's seeds.
	Seeds []string `json:"seeds,omitempty"`
}

// ReadProgress reads the progress file. A missing file is fs.ErrNotExist; an unreadable
// one is an error that names the file.
func ReadProgress(path string) (*Progress, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p := &Progress{}
	if err := json.Unmarshal(b, p); err != nil {
		return nil, &CorruptError{Path: path, Err: err}
	}
	return p, nil
}

// CorruptError is a state file that cannot be read.
type CorruptError struct {
	Path string
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("state file %s is corrupt: %v", e.Path, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// recorder keeps the progress and writes it after every change.
type recorder struct {
	path string
	now  func() time.Time

	mu sync.Mutex
	p  Progress
}

func newRecorder(path string, now func() time.Time) *recorder {
	return &recorder{path: path, now: now, p: Progress{PID: os.Getpid(), Started: now(), Phase: PhaseStarting}}
}

func (r *recorder) update(fn func(p *Progress)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn(&r.p)
	// Best effort: the landscape runs on whether or not its progress can be written.
	_ = writeJSONAtomic(r.path, &r.p)
}

// step runs fn as a named step and records its start, end and error.
func (r *recorder) step(name string, fn func() error) error {
	start := r.now()
	var idx int
	r.update(func(p *Progress) {
		p.Steps = append(p.Steps, Step{Name: name, State: StepRunning, Started: start})
		idx = len(p.Steps) - 1
	})
	err := fn()
	end := r.now()
	r.update(func(p *Progress) {
		s := &p.Steps[idx]
		s.Finished = &end
		s.State = StepDone
		if err != nil {
			s.State, s.Message = StepFailed, err.Error()
		}
	})
	return err
}

func (r *recorder) setPhase(phase Phase, err error, hint string) {
	r.update(func(p *Progress) {
		p.Phase = phase
		p.Error, p.Hint = "", hint
		if err != nil {
			p.Error = err.Error()
		}
	})
}

func writeJSONAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Settings are what a landscape was started with; a later `hortus up` without flags
// starts the same landscape again.
type Settings struct {
	Seeds int `json:"seeds"`
}

func readSettings(path string) (Settings, error) {
	var s Settings
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, &CorruptError{Path: path, Err: err}
	}
	return s, nil
}
