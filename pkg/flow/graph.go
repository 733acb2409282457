package flow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// TaskID names a task of a graph. Graph.Add returns it as a handle, and because it is a
// string, a dependency can also be written as the task's name.
type TaskID string

// TaskIDs lists the tasks a task depends on.
type TaskIDs []TaskID

// NewTaskIDs lists ids, for Task.Dependencies.
func NewTaskIDs(ids ...TaskID) TaskIDs {
	return TaskIDs(ids)
}

// Task is a named unit of work in a graph.
type Task struct {
	// Name identifies the task in its graph, in logs, in progress reports and in errors.
	// It must be unique within the graph.
	Name string
	// Fn does the work. It must return promptly once ctx is done. Fn may be nil only if
	// SkipIf is set, which makes the task a sync point for its dependents.
	Fn func(ctx context.Context) error
	// Dependencies must all have succeeded or been skipped before Fn starts.
	Dependencies TaskIDs
	// SkipIf makes the task a no-op, so that one graph serves several operations (for
	// example create and reconcile). A skipped task still waits for its dependencies
	// before its dependents may start, and it is not counted in Stats.
	SkipIf bool
	// Timeout bounds all attempts of the task together, measured on Opts.Clock. When it
	// elapses, the context passed to Fn is cancelled and the task fails with ErrTimeout.
	// Zero means no timeout.
	Timeout time.Duration
	// Retry retries failed attempts with exponential backoff until Timeout elapses. It
	// requires a Timeout. The zero value makes a single attempt.
	Retry Backoff
}

// Backoff is a retry policy: the wait before the next attempt starts at Initial and
// doubles after every failed attempt, up to Max. An error wrapped with Terminal ends the
// retries at once.
type Backoff struct {
	// Initial is the wait after the first failed attempt. Zero disables retries.
	Initial time.Duration
	// Max caps the wait. Zero means no cap other than the task's Timeout.
	Max time.Duration
}

func (b Backoff) enabled() bool {
	return b.Initial > 0
}

// next returns the wait that follows wait.
func (b Backoff) next(wait time.Duration) time.Duration {
	if wait > b.Max/2 && b.Max > 0 {
		return b.Max
	}
	if wait > time.Duration(1<<62) {
		return wait
	}
	return 2 * wait
}

// Graph collects the tasks of a flow. Compile validates it and turns it into a Flow.
// A Graph is not safe for concurrent use.
type Graph struct {
	name  string
	tasks []Task
}

// NewGraph returns an empty graph; name identifies the flow in logs and errors.
func NewGraph(name string) *Graph {
	return &Graph{name: name}
}

// Name returns the name of the flow.
func (g *Graph) Name() string {
	return g.name
}

// Add adds a task and returns its ID as a handle for the dependencies of later tasks.
// Invalid tasks are reported by Compile.
func (g *Graph) Add(task Task) TaskID {
	g.tasks = append(g.tasks, task)
	return TaskID(task.Name)
}

// Flow is a validated graph. It is immutable, and Run may be called any number of times,
// also concurrently.
type Flow struct {
	name  string
	nodes []node
}

// node is a task with its dependency edges resolved to indices into Flow.nodes.
type node struct {
	Task
	deps       []int
	dependents []int
}

// Name returns the name of the flow.
func (f *Flow) Name() string {
	return f.name
}

// Compile validates the graph and returns the Flow that runs it. It reports, joined,
// every task without a name or Fn, duplicate names, negative durations, retries without
// a timeout, dependencies on unknown tasks, and one dependency cycle.
func (g *Graph) Compile() (*Flow, error) {
	var errs []error
	index := make(map[TaskID]int, len(g.tasks))
	for i, t := range g.tasks {
		switch {
		case t.Name == "":
			errs = append(errs, fmt.Errorf("task %d has no name", i))
			continue
		case t.Fn == nil && !t.SkipIf:
			errs = append(errs, fmt.Errorf("task %q has no Fn", t.Name))
		case t.Timeout < 0 || t.Retry.Initial < 0 || t.Retry.Max < 0:
			errs = append(errs, fmt.Errorf("task %q has a negative Timeout or Retry duration", t.Name))
		case t.Retry.enabled() && t.Timeout == 0:
			errs = append(errs, fmt.Errorf("task %q retries without a Timeout", t.Name))
		}
		if _, ok := index[TaskID(t.Name)]; ok {
			errs = append(errs, fmt.Errorf("task %q is added more than once", t.Name))
			continue
		}
		index[TaskID(t.Name)] = i
	}

	nodes := make([]node, len(g.tasks))
	for i, t := range g.tasks {
		nodes[i].Task = t
		seen := make(map[int]bool, len(t.Dependencies))
		for _, dep := range t.Dependencies {
			j, ok := index[dep]
			if !ok {
				errs = append(errs, fmt.Errorf("task %q depends on unknown task %q", t.Name, dep))
				continue
			}
			if seen[j] || index[TaskID(t.Name)] != i {
				continue
			}
			seen[j] = true
			nodes[i].deps = append(nodes[i].deps, j)
			nodes[j].dependents = append(nodes[j].dependents, i)
		}
	}
	if cycle := findCycle(nodes); len(cycle) > 0 {
		errs = append(errs, fmt.Errorf("dependency cycle %s", cycle))
	}

	if len(errs) > 0 {
		return nil, fmt.Errorf("invalid flow %q: %w", g.name, errors.Join(errs...))
	}
	return &Flow{name: g.name, nodes: nodes}, nil
}

// findCycle returns a dependency cycle, each task depending on the next, or nil if there
// is none.
func findCycle(nodes []node) cyclePath {
	const (
		unvisited = iota
		onPath
		done
	)
	state := make([]int, len(nodes))
	var path []int
	var found cyclePath
	var visit func(i int) bool
	visit = func(i int) bool {
		state[i] = onPath
		path = append(path, i)
		for _, j := range nodes[i].deps {
			switch state[j] {
			case onPath:
				for k := len(path) - 1; k >= 0; k-- {
					if path[k] == j {
						for _, p := range path[k:] {
							found = append(found, nodes[p].Name)
						}
						found = append(found, nodes[j].Name)
						return true
					}
				}
			case unvisited:
				if visit(j) {
					return true
				}
			}
		}
		path = path[:len(path)-1]
		state[i] = done
		return false
	}
	for i := range nodes {
		if state[i] == unvisited && visit(i) {
			return found
		}
	}
	return nil
}

type cyclePath []string

func (c cyclePath) String() string {
	quoted := make([]string, len(c))
	for i, name := range c {
		quoted[i] = fmt.Sprintf("%q", name)
	}
	return strings.Join(quoted, " -> ")
}
