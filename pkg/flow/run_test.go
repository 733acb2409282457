package flow_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/flow"
)

// spec describes a task by name for table tests.
type spec struct {
	name string
	deps []flow.TaskID
	skip bool
}

func TestRunOrder(t *testing.T) {
	for _, tc := range []struct {
		name        string
		tasks       []spec
		maxParallel int
	}{{
		name:  "chain",
		tasks: []spec{{name: "a"}, {name: "b", deps: []flow.TaskID{"a"}}, {name: "c", deps: []flow.TaskID{"b"}}},
	}, {
		name: "diamond",
		tasks: []spec{
			{name: "a"},
			{name: "b", deps: []flow.TaskID{"a"}},
			{name: "c", deps: []flow.TaskID{"a"}},
			{name: "d", deps: []flow.TaskID{"b", "c"}},
		},
	}, {
		name: "shoot create",
		tasks: []spec{
			{name: "namespace"},
			{name: "secrets", deps: []flow.TaskID{"namespace"}},
			{name: "etcd main", deps: []flow.TaskID{"namespace", "secrets"}},
			{name: "etcd events", deps: []flow.TaskID{"namespace", "secrets"}},
			{name: "kube-apiserver", deps: []flow.TaskID{"etcd main", "etcd events", "secrets"}},
			{name: "kube-controller-manager", deps: []flow.TaskID{"kube-apiserver"}},
			{name: "kube-scheduler", deps: []flow.TaskID{"kube-apiserver"}},
			{name: "network policies", deps: []flow.TaskID{"namespace"}},
		},
	}, {
		name:        "shoot create one at a time",
		maxParallel: 1,
		tasks: []spec{
			{name: "namespace"},
			{name: "secrets", deps: []flow.TaskID{"namespace"}},
			{name: "etcd", deps: []flow.TaskID{"secrets"}},
			{name: "kube-apiserver", deps: []flow.TaskID{"etcd"}},
			{name: "network policies", deps: []flow.TaskID{"namespace"}},
		},
	}, {
		name: "skipped tasks keep the order of their dependencies",
		tasks: []spec{
			{name: "a"},
			{name: "b", deps: []flow.TaskID{"a"}, skip: true},
			{name: "c", deps: []flow.TaskID{"b"}, skip: true},
			{name: "d", deps: []flow.TaskID{"c"}},
			{name: "e", skip: true},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			rec := &recorder{}
			graph := flow.NewGraph("test")
			deps := map[string][]flow.TaskID{}
			for _, s := range tc.tasks {
				graph.Add(flow.Task{Name: s.name, Fn: rec.task(s.name), Dependencies: s.deps, SkipIf: s.skip})
				deps[s.name] = s.deps
			}
			f, err := graph.Compile()
			g.Expect(err).NotTo(HaveOccurred())

			g.Expect(f.Run(context.Background(), flow.Opts{MaxParallel: tc.maxParallel})).To(Succeed())

			events := rec.list()
			var run []string
			for _, s := range tc.tasks {
				if s.skip {
					g.Expect(events).NotTo(ContainElement("start "+s.name), s.name)
					continue
				}
				run = append(run, "start "+s.name)
			}
			g.Expect(events).To(HaveLen(2*len(run)), "every task that is not skipped runs once")
			g.Expect(events).To(ContainElements(run))
			// A task starts after every dependency finished; through a skipped dependency
			// this holds for the dependency's own dependencies.
			var finishedBefore func(dep flow.TaskID, start int)
			finishedBefore = func(dep flow.TaskID, start int) {
				if done := slices.Index(events, "done "+string(dep)); done >= 0 {
					g.Expect(done).To(BeNumerically("<", start), "%s before %s", dep, events[start])
					return
				}
				for _, d := range deps[string(dep)] {
					finishedBefore(d, start)
				}
			}
			for _, s := range tc.tasks {
				if start := slices.Index(events, "start "+s.name); start >= 0 {
					for _, d := range s.deps {
						finishedBefore(d, start)
					}
				}
			}
		})
	}
}

func TestRunParallel(t *testing.T) {
	g := NewWithT(t)
	aStarted, bStarted := make(chan struct{}), make(chan struct{})
	graph := flow.NewGraph("test")
	// Each task waits for the other to start, so they succeed only if they overlap.
	a := graph.Add(flow.Task{Name: "a", Fn: func(ctx context.Context) error {
		close(aStarted)
		return await(ctx, bStarted)
	}})
	b := graph.Add(flow.Task{Name: "b", Fn: func(ctx context.Context) error {
		close(bStarted)
		return await(ctx, aStarted)
	}})
	graph.Add(flow.Task{Name: "c", Fn: func(context.Context) error { return nil }, Dependencies: flow.NewTaskIDs(a, b)})
	f, err := graph.Compile()
	g.Expect(err).NotTo(HaveOccurred())

	g.Expect(f.Run(context.Background(), flow.Opts{})).To(Succeed())
}

func TestRunMaxParallel(t *testing.T) {
	g := NewWithT(t)
	const maxParallel = 2
	names := []string{"a", "b", "c", "d", "e"}
	started := make(chan string, len(names))
	release := map[string]chan struct{}{}
	graph := flow.NewGraph("test")
	for _, name := range names {
		release[name] = make(chan struct{})
		graph.Add(flow.Task{Name: name, Fn: func(ctx context.Context) error {
			started <- name
			return await(ctx, release[name])
		}})
	}
	f, err := graph.Compile()
	g.Expect(err).NotTo(HaveOccurred())
	var mu sync.Mutex
	maxRunning := 0
	opts := flow.Opts{MaxParallel: maxParallel, OnProgress: func(s flow.Stats) {
		mu.Lock()
		defer mu.Unlock()
		maxRunning = max(maxRunning, len(s.Running))
	}}

	done := runAsync(func() error { return f.Run(context.Background(), opts) })
	// Tasks that are ready together start in the order they were added; each release
	// frees one slot for the next.
	var order []string
	for range maxParallel {
		order = append(order, receive(t, started))
	}
	for _, name := range names {
		close(release[name])
		if len(order) < len(names) {
			order = append(order, receive(t, started))
		}
	}
	g.Expect(done.wait(t)).To(Succeed())

	g.Expect(order[:maxParallel]).To(ConsistOf(names[:maxParallel]))
	g.Expect(order[maxParallel:]).To(Equal(names[maxParallel:]))
	mu.Lock()
	defer mu.Unlock()
	g.Expect(maxRunning).To(Equal(maxParallel))
}

func TestRunFailure(t *testing.T) {
	g := NewWithT(t)
	rec := &recorder{}
	failed := make(chan struct{})
	graph := flow.NewGraph("test")
	fails := graph.Add(flow.Task{Name: "fails", Fn: func(context.Context) error {
		rec.add("start fails")
		return errors.New("boom")
	}})
	// running is still running when "fails" fails, and must be let finish.
	running := graph.Add(flow.Task{Name: "running", Fn: func(ctx context.Context) error {
		rec.add("start running")
		if err := await(ctx, failed); err != nil {
			return err
		}
		rec.add("done running")
		return nil
	}})
	// queued is ready but waits for a slot; the others wait for their dependencies.
	graph.Add(flow.Task{Name: "queued", Fn: rec.task("queued")})
	graph.Add(flow.Task{Name: "after fails", Fn: rec.task("after fails"), Dependencies: flow.NewTaskIDs(fails)})
	graph.Add(flow.Task{Name: "after running", Fn: rec.task("after running"), Dependencies: flow.NewTaskIDs(running)})
	f, err := graph.Compile()
	g.Expect(err).NotTo(HaveOccurred())
	var last flow.Stats
	opts := flow.Opts{
		MaxParallel: 2,
		OnTaskDone: func(task string, _ time.Duration, _ error) {
			if task == "fails" {
				close(failed)
			}
		},
		OnProgress: func(s flow.Stats) { last = s },
	}

	err = f.Run(context.Background(), opts)

	g.Expect(err).To(MatchError(`task "fails" failed: boom`))
	g.Expect(flow.FailedTasks(err)).To(Equal([]string{"fails"}))
	var flowErr *flow.Error
	g.Expect(errors.As(err, &flowErr)).To(BeTrue())
	g.Expect(flowErr.Flow).To(Equal("test"))
	g.Expect(flowErr.Cause).To(BeNil())
	g.Expect(rec.list()).To(ConsistOf("start fails", "start running", "done running"))
	g.Expect(last).To(Equal(flow.Stats{Total: 5, Succeeded: 1, Failed: 1, Percent: 20}))
}

func TestRunFailedTasks(t *testing.T) {
	g := NewWithT(t)
	graph := flow.NewGraph("test")
	for _, name := range []string{"c", "a", "b"} {
		graph.Add(flow.Task{Name: name, Fn: func(context.Context) error {
			if name == "b" {
				return nil
			}
			return errors.New(name + " broke")
		}})
	}
	f, err := graph.Compile()
	g.Expect(err).NotTo(HaveOccurred())

	err = f.Run(context.Background(), flow.Opts{})

	g.Expect(err).To(MatchError("task \"a\" failed: a broke\ntask \"c\" failed: c broke"))
	g.Expect(flow.FailedTasks(err)).To(Equal([]string{"a", "c"}))
	g.Expect(flow.FailedTasks(errors.New("other"))).To(BeNil())
	g.Expect(flow.FailedTasks(nil)).To(BeNil())
}

func TestRunProgress(t *testing.T) {
	ok := func(context.Context) error { return nil }
	for _, tc := range []struct {
		name  string
		tasks []flow.Task
		want  []flow.Stats
	}{{
		name:  "two in a row",
		tasks: []flow.Task{{Name: "a", Fn: ok}, {Name: "b", Fn: ok, Dependencies: flow.NewTaskIDs("a")}},
		want: []flow.Stats{
			{Total: 2, Running: []string{"a"}},
			{Total: 2, Succeeded: 1, Percent: 50},
			{Total: 2, Succeeded: 1, Running: []string{"b"}, Percent: 50},
			{Total: 2, Succeeded: 2, Percent: 100},
		},
	}, {
		name: "percent rounds down",
		tasks: []flow.Task{
			{Name: "a", Fn: ok},
			{Name: "b", Fn: ok, Dependencies: flow.NewTaskIDs("a")},
			{Name: "c", Fn: ok, Dependencies: flow.NewTaskIDs("b")},
		},
		want: []flow.Stats{
			{Total: 3, Running: []string{"a"}},
			{Total: 3, Succeeded: 1, Percent: 33},
			{Total: 3, Succeeded: 1, Running: []string{"b"}, Percent: 33},
			{Total: 3, Succeeded: 2, Percent: 66},
			{Total: 3, Succeeded: 2, Running: []string{"c"}, Percent: 66},
			{Total: 3, Succeeded: 3, Percent: 100},
		},
	}, {
		name: "running tasks are sorted and skipped ones not counted",
		tasks: []flow.Task{
			{Name: "b", Fn: ok},
			{Name: "a", Fn: ok},
			{Name: "x", SkipIf: true, Dependencies: flow.NewTaskIDs("a", "b")},
		},
		want: []flow.Stats{
			{Total: 2, Running: []string{"b"}},
			{Total: 2, Running: []string{"a", "b"}},
			// The two finish in either order, which the comparison below accepts.
			{Total: 2, Succeeded: 1, Running: []string{"?"}, Percent: 50},
			{Total: 2, Succeeded: 2, Percent: 100},
		},
	}, {
		name:  "failure",
		tasks: []flow.Task{{Name: "a", Fn: func(context.Context) error { return errors.New("boom") }}, {Name: "b", Fn: ok, Dependencies: flow.NewTaskIDs("a")}},
		want: []flow.Stats{
			{Total: 2, Running: []string{"a"}},
			{Total: 2, Failed: 1},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			graph := flow.NewGraph("test")
			for _, task := range tc.tasks {
				graph.Add(task)
			}
			f, err := graph.Compile()
			g.Expect(err).NotTo(HaveOccurred())
			var got []flow.Stats

			_ = f.Run(context.Background(), flow.Opts{OnProgress: func(s flow.Stats) { got = append(got, s) }})

			g.Expect(got).To(HaveLen(len(tc.want)))
			for i := range got {
				if slices.Equal(tc.want[i].Running, []string{"?"}) {
					g.Expect(got[i].Running).To(HaveLen(1))
					tc.want[i].Running = got[i].Running
				}
			}
			g.Expect(got).To(Equal(tc.want))
		})
	}
}

func TestRunCancel(t *testing.T) {
	cause := errors.New("shoot deleted")
	for _, tc := range []struct {
		name string
		// fn is the first task; cancel is called once it runs.
		fn      func(ctx context.Context, cancel func(), clk *timerClock) error
		timeout time.Duration
		retry   flow.Backoff
		wantErr string
	}{{
		name: "while a task runs",
		fn: func(ctx context.Context, cancel func(), _ *timerClock) error {
			cancel()
			<-ctx.Done()
			return ctx.Err()
		},
		wantErr: "flow \"test\" canceled: shoot deleted\ntask \"first\" failed: shoot deleted",
	}, {
		name: "while a task waits to retry",
		fn: func(_ context.Context, cancel func(), clk *timerClock) error {
			go func() {
				for range 2 { // the timeout, then the backoff
					<-clk.timers
				}
				cancel()
			}()
			return errors.New("not ready")
		},
		timeout: time.Hour,
		retry:   flow.Backoff{Initial: time.Second},
		wantErr: "flow \"test\" canceled: shoot deleted\ntask \"first\" failed: shoot deleted; last error: not ready",
	}, {
		name: "after the last task",
		fn: func(_ context.Context, cancel func(), _ *timerClock) error {
			cancel()
			return nil
		},
		wantErr: `flow "test" canceled: shoot deleted`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			clk := newTimerClock()
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			rec := &recorder{}
			graph := flow.NewGraph("test")
			first := graph.Add(flow.Task{
				Name:    "first",
				Fn:      func(ctx context.Context) error { return tc.fn(ctx, func() { cancel(cause) }, clk) },
				Timeout: tc.timeout,
				Retry:   tc.retry,
			})
			graph.Add(flow.Task{Name: "second", Fn: rec.task("second"), Dependencies: flow.NewTaskIDs(first)})
			f, err := graph.Compile()
			g.Expect(err).NotTo(HaveOccurred())

			err = runAsync(func() error { return f.Run(ctx, flow.Opts{Clock: clk}) }).wait(t)

			g.Expect(err).To(MatchError(tc.wantErr))
			g.Expect(errors.Is(err, cause)).To(BeTrue())
			g.Expect(rec.list()).To(BeEmpty())
		})
	}

	t.Run("before Run", func(t *testing.T) {
		g := NewWithT(t)
		rec := &recorder{}
		graph := flow.NewGraph("test")
		graph.Add(flow.Task{Name: "a", Fn: rec.task("a")})
		f, err := graph.Compile()
		g.Expect(err).NotTo(HaveOccurred())
		ctx, cancel := context.WithCancel(context.Background())
		cancel()

		err = f.Run(ctx, flow.Opts{})

		g.Expect(err).To(MatchError(context.Canceled))
		g.Expect(flow.FailedTasks(err)).To(BeEmpty())
		g.Expect(rec.list()).To(BeEmpty())
	})
}

func TestRunOnTaskDone(t *testing.T) {
	g := NewWithT(t)
	clk := newTimerClock()
	graph := flow.NewGraph("test")
	a := graph.Add(flow.Task{Name: "a", Fn: func(context.Context) error {
		clk.Step(3 * time.Second)
		return nil
	}})
	graph.Add(flow.Task{Name: "skipped", SkipIf: true, Dependencies: flow.NewTaskIDs(a)})
	graph.Add(flow.Task{Name: "b", Dependencies: flow.NewTaskIDs("skipped"), Fn: func(context.Context) error {
		clk.Step(2 * time.Second)
		return errors.New("boom")
	}})
	f, err := graph.Compile()
	g.Expect(err).NotTo(HaveOccurred())
	type done struct {
		task string
		d    time.Duration
		err  string
	}
	var got []done

	_ = f.Run(context.Background(), flow.Opts{Clock: clk, OnTaskDone: func(task string, d time.Duration, err error) {
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		got = append(got, done{task, d, msg})
	}})

	g.Expect(got).To(Equal([]done{{"a", 3 * time.Second, ""}, {"b", 2 * time.Second, "boom"}}))
}

func TestRunLogs(t *testing.T) {
	g := NewWithT(t)
	var mu sync.Mutex
	var lines []string
	log := funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, args)
	}, funcr.Options{})
	graph := flow.NewGraph("Shoot create")
	ns := graph.Add(flow.Task{Name: "Deploying namespace", Fn: func(context.Context) error { return nil }})
	graph.Add(flow.Task{Name: "Deploying etcd", Dependencies: flow.NewTaskIDs(ns), Fn: func(context.Context) error {
		return errors.New("boom")
	}})
	f, err := graph.Compile()
	g.Expect(err).NotTo(HaveOccurred())

	g.Expect(f.Run(context.Background(), flow.Opts{Log: log})).NotTo(Succeed())

	mu.Lock()
	defer mu.Unlock()
	const flowKey = `"flow"="Shoot create"`
	for _, want := range [][]string{
		{`"msg"="Starting flow"`, flowKey, `"tasks"=2`},
		{`"msg"="Task started"`, flowKey, `"task"="Deploying namespace"`},
		{`"msg"="Task succeeded"`, flowKey, `"task"="Deploying namespace"`, `"duration"=`},
		{`"msg"="Task started"`, flowKey, `"task"="Deploying etcd"`},
		{`"msg"="Task failed"`, flowKey, `"task"="Deploying etcd"`, `"duration"=`, `"error"="boom"`},
		{`"msg"="Flow failed"`, flowKey, `"duration"=`},
	} {
		g.Expect(slices.ContainsFunc(lines, func(line string) bool {
			for _, w := range want {
				if !strings.Contains(line, w) {
					return false
				}
			}
			return true
		})).To(BeTrue(), "a line with %v in\n%s", want, strings.Join(lines, "\n"))
	}
}

func TestRunConcurrently(t *testing.T) {
	g := NewWithT(t)
	rec := &recorder{}
	graph := flow.NewGraph("test")
	a := graph.Add(flow.Task{Name: "a", Fn: rec.task("a")})
	graph.Add(flow.Task{Name: "b", Fn: rec.task("b"), Dependencies: flow.NewTaskIDs(a)})
	f, err := graph.Compile()
	g.Expect(err).NotTo(HaveOccurred())

	first := runAsync(func() error { return f.Run(context.Background(), flow.Opts{}) })
	second := runAsync(func() error { return f.Run(context.Background(), flow.Opts{}) })

	g.Expect(first.wait(t)).To(Succeed())
	g.Expect(second.wait(t)).To(Succeed())
	g.Expect(rec.list()).To(HaveLen(8))
}
