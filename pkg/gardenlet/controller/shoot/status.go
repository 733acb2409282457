package shoot

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// statusWriter writes the shoot's status during an operation. Every write is a merge
// patch of the fields it sets. It keeps a copy of the shoot of its own, which each write
// updates from the API server's answer: the operation's tasks read the operation's shoot
// while progress is written from another goroutine.
type statusWriter struct {
	c        client.Client
	now      func() time.Time
	identity gardencorev1beta1.Gardener

	mu    sync.Mutex
	shoot *gardencorev1beta1.Shoot
}

func newStatusWriter(c client.Client, shoot *gardencorev1beta1.Shoot, now func() time.Time, identity gardencorev1beta1.Gardener) *statusWriter {
	return &statusWriter{c: c, shoot: shoot.DeepCopy(), now: now, identity: identity}
}

func (w *statusWriter) patch(ctx context.Context, mutate func(s *gardencorev1beta1.ShootStatus)) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	base := w.shoot.DeepCopy()
	mutate(&w.shoot.Status)
	if err := w.c.Status().Patch(ctx, w.shoot, client.MergeFrom(base)); err != nil {
		return fmt.Errorf("updating the shoot's status: %w", err)
	}
	return nil
}

// start marks the beginning of an operation: lastOperation Processing at 0%, the
// technical ID, the gardener version and the observed generation.
func (w *statusWriter) start(ctx context.Context, opType gardencorev1beta1.LastOperationType, technicalID, description string) error {
	return w.patch(ctx, func(s *gardencorev1beta1.ShootStatus) {
		now := metav1.NewTime(w.now())
		s.TechnicalID = technicalID
		s.ObservedGeneration = w.shoot.Generation
		s.Gardener = w.identity
		s.LastOperation = &gardencorev1beta1.LastOperation{
			Type: opType, State: gardencorev1beta1.LastOperationStateProcessing, Progress: 0,
			Description: description, LastUpdateTime: now,
		}
	})
}

// progress reports the running tasks and the percentage done.
func (w *statusWriter) progress(ctx context.Context, percent int, running []string) error {
	desc := "Waiting for the next task"
	if len(running) > 0 {
		desc = strings.Join(running, ", ")
	}
	return w.patch(ctx, func(s *gardencorev1beta1.ShootStatus) {
		if s.LastOperation == nil {
			return
		}
		s.LastOperation.Progress = int32(min(max(percent, 0), 99)) //nolint:gosec // within 0..99
		s.LastOperation.Description = desc
		s.LastOperation.LastUpdateTime = metav1.NewTime(w.now())
	})
}

// succeed ends the operation.
func (w *statusWriter) succeed(ctx context.Context, description string, mutate func(s *gardencorev1beta1.ShootStatus)) error {
	return w.patch(ctx, func(s *gardencorev1beta1.ShootStatus) {
		if s.LastOperation == nil {
			s.LastOperation = &gardencorev1beta1.LastOperation{}
		}
		s.LastOperation.State = gardencorev1beta1.LastOperationStateSucceeded
		s.LastOperation.Progress = 100
		s.LastOperation.Description = description
		s.LastOperation.LastUpdateTime = metav1.NewTime(w.now())
		s.LastErrors = nil
		if mutate != nil {
			mutate(s)
		}
	})
}

// fail records the failed tasks: state Error (retried) or Failed (given up).
func (w *statusWriter) fail(ctx context.Context, state gardencorev1beta1.LastOperationState, failures []taskFailure) error {
	return w.patch(ctx, func(s *gardencorev1beta1.ShootStatus) {
		now := metav1.NewTime(w.now())
		var msgs []string
		s.LastErrors = nil
		for _, f := range failures {
			msgs = append(msgs, f.message())
			s.LastErrors = append(s.LastErrors, gardencorev1beta1.LastError{
				Description: f.message(), TaskID: ptrTo(f.task), LastUpdateTime: &now,
			})
		}
		if s.LastOperation == nil {
			s.LastOperation = &gardencorev1beta1.LastOperation{}
		}
		s.LastOperation.State = state
		s.LastOperation.Description = strings.Join(msgs, "; ")
		if state == gardencorev1beta1.LastOperationStateError {
			s.LastOperation.Description += " (will be retried)"
		}
		s.LastOperation.LastUpdateTime = now
	})
}

// taskFailure is one failed task of a flow.
type taskFailure struct {
	task string
	err  error
}

func (f taskFailure) message() string {
	if f.task == "" {
		return f.err.Error()
	}
	return fmt.Sprintf("task %q failed: %v", f.task, f.err)
}

func ptrTo[T any](v T) *T { return &v }
