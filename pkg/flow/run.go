package flow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/utils/clock"
)

// Opts configure one run of a flow. The zero value runs without logs, callbacks or a
// bound on parallelism, on the real clock.
type Opts struct {
	// Log receives a line when the flow and each of its tasks start, succeed and fail,
	// with the keys flow, task and duration.
	Log logr.Logger
	// Clock measures task durations and timeouts and times the backoff between attempts.
	// Nil means the real clock.
	Clock clock.Clock
	// MaxParallel bounds the number of tasks that run at once. Zero or less means no
	// bound. Tasks that are ready at the same time start in the order they were added.
	MaxParallel int
	// OnProgress is called after every task start and finish.
	OnProgress func(Stats)
	// OnTaskDone is called when a task that was not skipped finishes, with how long all
	// of its attempts took and what it returned (nil on success), for example to record
	// task durations.
	OnTaskDone func(task string, d time.Duration, err error)
}

// Stats is a snapshot of a running flow. Skipped tasks are not counted.
type Stats struct {
	// Total is the number of tasks that are not skipped.
	Total int
	// Succeeded and Failed count the finished tasks.
	Succeeded, Failed int
	// Running are the names of the tasks that have started but not finished, sorted, or
	// nil if there are none.
	Running []string
	// Percent is Succeeded*100/Total rounded down, so it is 100 only once every task has
	// succeeded. It is 100 if Total is 0.
	Percent int
}

// Run runs the flow and blocks until it has finished.
//
// A task starts as soon as all of its dependencies have succeeded or been skipped. When
// a task fails after its retries, or ctx is cancelled, Run starts no further tasks,
// waits for the running ones to return (their context is ctx, so cancelling ctx stops
// them), and returns an *Error. Run returns nil only if every task succeeded or was
// skipped. OnProgress and OnTaskDone are called from the goroutine that called Run,
// never concurrently.
func (f *Flow) Run(ctx context.Context, opts Opts) error {
	clk := opts.Clock
	if clk == nil {
		clk = clock.RealClock{}
	}
	r := &run{
		flow:      f,
		opts:      opts,
		clock:     clk,
		log:       opts.Log.WithValues("flow", f.name),
		pending:   make([]int, len(f.nodes)),
		results:   make(chan result, len(f.nodes)),
		remaining: len(f.nodes),
	}
	for _, n := range f.nodes {
		if !n.SkipIf {
			r.total++
		}
	}
	return r.run(ctx)
}

// run is the state of one Flow.Run. Only the goroutine that called Run touches it; task
// goroutines report back through results.
type run struct {
	flow  *Flow
	opts  Opts
	clock clock.Clock
	log   logr.Logger

	total, succeeded int
	// pending counts, per node, the dependencies that have not yet succeeded.
	pending []int
	// ready are the nodes whose dependencies have succeeded, in the order they became ready.
	ready []int
	// running are the nodes whose goroutine has not yet reported a result, in the order
	// they started.
	running []int
	// remaining counts the nodes that have neither succeeded nor been skipped.
	remaining int
	failed    []*TaskError
	results   chan result
}

type result struct {
	node     int
	duration time.Duration
	err      error
}

func (r *run) run(ctx context.Context) error {
	start := r.clock.Now()
	r.log.Info("Starting flow", "tasks", r.total)

	for i, n := range r.flow.nodes {
		r.pending[i] = len(n.deps)
		if r.pending[i] == 0 {
			r.markReady(i)
		}
	}
	r.startReady(ctx)
	for len(r.running) > 0 {
		res := <-r.results
		r.finish(res)
		r.startReady(ctx)
	}

	duration := r.clock.Since(start)
	if r.remaining == 0 {
		r.log.Info("Flow succeeded", "duration", duration)
		return nil
	}
	err := &Error{Flow: r.flow.name, Tasks: r.failed}
	slices.SortFunc(err.Tasks, func(a, b *TaskError) int {
		return strings.Compare(a.Task, b.Task)
	})
	if ctx.Err() != nil {
		err.Cause = context.Cause(ctx)
	}
	r.log.Error(err, "Flow failed", "duration", duration)
	return err
}

// markReady queues node i, or, if it is skipped, passes its success on to its dependents.
func (r *run) markReady(i int) {
	if !r.flow.nodes[i].SkipIf {
		r.ready = append(r.ready, i)
		return
	}
	r.log.V(1).Info("Task skipped", "task", r.flow.nodes[i].Name)
	r.succeed(i)
}

// succeed records that node i succeeded or was skipped and readies its dependents.
func (r *run) succeed(i int) {
	r.remaining--
	for _, d := range r.flow.nodes[i].dependents {
		r.pending[d]--
		if r.pending[d] == 0 {
			r.markReady(d)
		}
	}
}

// startReady starts ready tasks while the flow is healthy and MaxParallel allows.
func (r *run) startReady(ctx context.Context) {
	for len(r.ready) > 0 && len(r.failed) == 0 && ctx.Err() == nil &&
		(r.opts.MaxParallel <= 0 || len(r.running) < r.opts.MaxParallel) {
		i := r.ready[0]
		r.ready = r.ready[1:]
		r.running = append(r.running, i)
		n := r.flow.nodes[i]
		r.log.Info("Task started", "task", n.Name)
		go func() {
			start := r.clock.Now()
			err := attempt(ctx, r.clock, r.log.WithValues("task", n.Name), n.Task)
			r.results <- result{node: i, duration: r.clock.Since(start), err: err}
		}()
		r.progress()
	}
}

// finish records the result of a task.
func (r *run) finish(res result) {
	r.running = slices.DeleteFunc(r.running, func(i int) bool { return i == res.node })
	name := r.flow.nodes[res.node].Name
	if res.err != nil {
		r.failed = append(r.failed, &TaskError{Task: name, Err: res.err})
		r.log.Error(res.err, "Task failed", "task", name, "duration", res.duration)
	} else {
		r.succeeded++
		r.log.Info("Task succeeded", "task", name, "duration", res.duration)
		r.succeed(res.node)
	}
	if r.opts.OnTaskDone != nil {
		r.opts.OnTaskDone(name, res.duration, res.err)
	}
	r.progress()
}

func (r *run) progress() {
	if r.opts.OnProgress == nil {
		return
	}
	s := Stats{
		Total:     r.total,
		Succeeded: r.succeeded,
		Failed:    len(r.failed),
		Percent:   100,
	}
	for _, i := range r.running {
		s.Running = append(s.Running, r.flow.nodes[i].Name)
	}
	slices.Sort(s.Running)
	if s.Total > 0 {
		s.Percent = s.Succeeded * 100 / s.Total
	}
	r.opts.OnProgress(s)
}

// attempt runs the task's Fn until it succeeds, fails without retries, returns a
// Terminal error, or its Timeout or ctx ends it.
func attempt(ctx context.Context, clk clock.Clock, log logr.Logger, t Task) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if t.Timeout > 0 {
		timeout := clk.NewTimer(t.Timeout)
		defer timeout.Stop()
		go func() {
			select {
			case <-timeout.C():
				cancel(fmt.Errorf("%w after %s", ErrTimeout, t.Timeout))
			case <-ctx.Done():
			}
		}()
	}

	// last is the most recent error that is not merely the context's cancellation.
	var last error
	wait := t.Retry.Initial
	for n := 1; ; n++ {
		err := t.Fn(ctx)
		switch {
		case err == nil:
			return nil
		case IsTerminal(err):
			return err
		}
		if ctx.Err() == nil || !errors.Is(err, ctx.Err()) {
			last = err
		}
		if ctx.Err() != nil {
			return giveUp(context.Cause(ctx), last)
		}
		if !t.Retry.enabled() {
			return err
		}

		log.V(1).Info("Task attempt failed, retrying", "attempt", n, "retryAfter", wait, "reason", err.Error())
		backoff := clk.NewTimer(wait)
		select {
		case <-backoff.C():
		case <-ctx.Done():
			backoff.Stop()
			return giveUp(context.Cause(ctx), last)
		}
		wait = t.Retry.next(wait)
	}
}

// giveUp explains why a task stopped before it succeeded.
func giveUp(cause, last error) error {
	if last == nil {
		return cause
	}
	return fmt.Errorf("%w; last error: %w", cause, last)
}
