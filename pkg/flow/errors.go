package flow

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrTimeout is the cause of a task failure when its Timeout elapsed.
var ErrTimeout = errors.New("timed out")

// Terminal marks err as one that retrying will not fix, so a task that returns it fails
// at once instead of retrying. Terminal(nil) is nil.
func Terminal(err error) error {
	if err == nil {
		return nil
	}
	return &terminalError{err: err}
}

// IsTerminal reports whether err, or an error it wraps, was marked by Terminal. It sees
// through *Error, so a caller can tell whether a failed flow is worth running again.
func IsTerminal(err error) bool {
	var t *terminalError
	return errors.As(err, &t)
}

type terminalError struct {
	err error
}

func (e *terminalError) Error() string { return e.err.Error() }
func (e *terminalError) Unwrap() error { return e.err }

// TaskError is the failure of one task.
type TaskError struct {
	// Task is the name of the task.
	Task string
	// Err is what the task returned after its last attempt.
	Err error
}

func (e *TaskError) Error() string {
	return fmt.Sprintf("task %q failed: %v", e.Task, e.Err)
}

func (e *TaskError) Unwrap() error { return e.Err }

// Error is what Flow.Run returns when the flow did not complete: tasks failed, the
// context was cancelled, or both.
type Error struct {
	// Flow is the name of the flow.
	Flow string
	// Tasks are the failed tasks, sorted by name.
	Tasks []*TaskError
	// Cause is the cause of the context's cancellation, or nil if it was not cancelled.
	Cause error
}

// Error lists the cancellation and every failed task, one per line.
func (e *Error) Error() string {
	lines := make([]string, 0, len(e.Tasks)+1)
	if e.Cause != nil {
		lines = append(lines, fmt.Sprintf("flow %q canceled: %v", e.Flow, e.Cause))
	}
	for _, t := range e.Tasks {
		lines = append(lines, t.Error())
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns Cause, if set, and the task errors, for errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, len(e.Tasks)+1)
	if e.Cause != nil {
		errs = append(errs, e.Cause)
	}
	for _, t := range e.Tasks {
		errs = append(errs, t)
	}
	return errs
}

// FailedTasks returns the sorted names of the failed tasks if err is or wraps an *Error,
// and nil otherwise.
func FailedTasks(err error) []string {
	var fe *Error
	if !errors.As(err, &fe) || len(fe.Tasks) == 0 {
		return nil
	}
	names := make([]string, len(fe.Tasks))
	for i, t := range fe.Tasks {
		names[i] = t.Task
	}
	slices.Sort(names)
	return names
}
