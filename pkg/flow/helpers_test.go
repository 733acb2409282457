package flow_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"k8s.io/utils/clock"
	clocktesting "k8s.io/utils/clock/testing"
)

// guard bounds how long a test waits for something that must happen. It is a safety net
// that turns a hang into a failure, not a timing assertion.
const guard = 3 * time.Second

// timerClock is a fake clock that reports the duration of every timer created on it, so
// a test knows when a task waits and can step exactly past it.
type timerClock struct {
	*clocktesting.FakeClock
	timers chan time.Duration
}

func newTimerClock() *timerClock {
	return &timerClock{
		FakeClock: clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
		timers:    make(chan time.Duration, 100),
	}
}

func (c *timerClock) NewTimer(d time.Duration) clock.Timer {
	t := c.FakeClock.NewTimer(d)
	c.timers <- d
	return t
}

// nextTimer returns the duration of the next timer created on c.
func (c *timerClock) nextTimer(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-c.timers:
		return d
	case <-time.After(guard):
		t.Fatal("No timer was created")
		return 0
	}
}

// recorder records what tasks do, safe for concurrent use.
type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) add(event string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, event)
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

// task returns a Fn that records its start and end under name.
func (r *recorder) task(name string) func(context.Context) error {
	return func(context.Context) error {
		r.add("start " + name)
		r.add("done " + name)
		return nil
	}
}

// await waits for ch to be closed, or fails once ctx is done or guard has passed.
func await(ctx context.Context, ch <-chan struct{}) error {
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(guard):
		return context.DeadlineExceeded
	}
}

// result is what a Run started by runAsync returned.
type result <-chan error

func runAsync(f func() error) result {
	ch := make(chan error, 1)
	go func() { ch <- f() }()
	return ch
}

func (r result) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r:
		return err
	case <-time.After(guard):
		t.Fatal("Run did not return")
		return nil
	}
}

// receive returns the next value from ch, or fails the test after guard.
func receive[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(guard):
		t.Fatal("Nothing was received")
		var zero T
		return zero
	}
}
