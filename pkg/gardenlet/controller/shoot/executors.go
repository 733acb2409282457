package shoot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/go-logr/logr"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/executor"
	"github.com/hortus-dev/hortus/pkg/executor/process"
)

// Executor runs the components of one shoot; each component is a set of its own.
type Executor interface {
	executor.Executor
	// Close ends supervision and leaves the processes running, for a later executor to
	// adopt.
	Close() error
}

// processState is what an executor knows of one component's process.
type processState int

const (
	// processUnknown: the executor has no such component, or could not tell.
	processUnknown processState = iota
	// processStopped: the component is deployed, and no process of it runs.
	processStopped
	// processRunning: a process of the component runs (ready or not).
	processRunning
)

// stateOf asks ex for the state of component name's process.
func stateOf(ctx context.Context, ex executor.Executor, name string) processState {
	st, err := ex.Status(ctx, name)
	switch {
	case err != nil || len(st) == 0:
		return processUnknown
	case st[0].Phase == component.PhaseStopped:
		return processStopped
	default:
		return processRunning
	}
}

// Executors hands out one executor per shoot, by technical ID. With the process backend,
// each shoot's processes, data and logs live in <StateDir>/<technical ID>/.
type Executors struct {
	// StateDir holds a directory per shoot.
	StateDir string
	// BinDirs are where the executors find binaries: bare names (hortus) and versioned
	// ones (kube-apiserver@v1.36.3 as <dir>/v1.36.3/kube-apiserver).
	BinDirs []string
	Logger  logr.Logger

	mu  sync.Mutex
	all map[string]*process.Executor
}

// For returns the executor of the shoot, creating it on first use.
func (e *Executors) For(technicalID string) (Executor, error) {
	return e.get(technicalID)
}

func (e *Executors) get(technicalID string) (*process.Executor, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if ex, ok := e.all[technicalID]; ok {
		return ex, nil
	}
	ex, err := process.New(process.Options{
		StateDir: filepath.Join(e.StateDir, technicalID),
		BinDirs:  e.BinDirs,
		Logger:   e.Logger.WithValues("shoot", technicalID),
	})
	if err != nil {
		return nil, err
	}
	if e.all == nil {
		e.all = map[string]*process.Executor{}
	}
	e.all[technicalID] = ex
	return ex, nil
}

// Remove stops every component of the shoot, removes its state directory and forgets
// its executor.
func (e *Executors) Remove(ctx context.Context, technicalID string) error {
	pe, err := e.get(technicalID)
	if err != nil {
		return err
	}
	// Every set on disk, also one a former version left: the directory goes below.
	if err := pe.StopAll(ctx); err != nil {
		return err
	}
	e.mu.Lock()
	delete(e.all, technicalID)
	e.mu.Unlock()
	if err := pe.Close(); err != nil {
		return err
	}
	if err := os.RemoveAll(filepath.Join(e.StateDir, technicalID)); err != nil {
		return fmt.Errorf("removing the state of %s: %w", technicalID, err)
	}
	return nil
}

// Close closes every executor, leaving the processes running.
func (e *Executors) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var errs []error
	for id, ex := range e.all {
		errs = append(errs, ex.Close())
		delete(e.all, id)
	}
	return errors.Join(errs...)
}
