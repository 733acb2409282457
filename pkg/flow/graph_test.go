package flow_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/flow"
)

func TestCompile(t *testing.T) {
	noop := func(context.Context) error { return nil }
	for _, tc := range []struct {
		name    string
		tasks   []flow.Task
		wantErr []string
	}{{
		name: "valid",
		tasks: []flow.Task{
			{Name: "a", Fn: noop},
			{Name: "b", Fn: noop, Dependencies: flow.NewTaskIDs("a", "a")},
			{Name: "c", Fn: noop, Dependencies: flow.NewTaskIDs("a", "b"), Timeout: time.Minute, Retry: flow.Backoff{Initial: time.Second}},
		},
	}, {
		name:  "a skipped task without Fn is a sync point",
		tasks: []flow.Task{{Name: "a", SkipIf: true}},
	}, {
		name:    "duplicate name",
		tasks:   []flow.Task{{Name: "a", Fn: noop}, {Name: "a", Fn: noop}},
		wantErr: []string{`task "a" is added more than once`},
	}, {
		name:    "unknown dependency",
		tasks:   []flow.Task{{Name: "a", Fn: noop}, {Name: "b", Fn: noop, Dependencies: flow.NewTaskIDs("a", "c")}},
		wantErr: []string{`task "b" depends on unknown task "c"`},
	}, {
		name: "cycle",
		tasks: []flow.Task{
			{Name: "a", Fn: noop, Dependencies: flow.NewTaskIDs("c")},
			{Name: "b", Fn: noop, Dependencies: flow.NewTaskIDs("a")},
			{Name: "c", Fn: noop, Dependencies: flow.NewTaskIDs("b")},
			{Name: "d", Fn: noop, Dependencies: flow.NewTaskIDs("b")},
		},
		wantErr: []string{`dependency cycle "a" -> "c" -> "b" -> "a"`},
	}, {
		name:    "self dependency",
		tasks:   []flow.Task{{Name: "a", Fn: noop, Dependencies: flow.NewTaskIDs("a")}},
		wantErr: []string{`dependency cycle "a" -> "a"`},
	}, {
		name:    "no name",
		tasks:   []flow.Task{{Fn: noop}},
		wantErr: []string{`task 0 has no name`},
	}, {
		name:    "no Fn",
		tasks:   []flow.Task{{Name: "a"}},
		wantErr: []string{`task "a" has no Fn`},
	}, {
		name:    "retry without timeout",
		tasks:   []flow.Task{{Name: "a", Fn: noop, Retry: flow.Backoff{Initial: time.Second}}},
		wantErr: []string{`task "a" retries without a Timeout`},
	}, {
		name:    "negative timeout",
		tasks:   []flow.Task{{Name: "a", Fn: noop, Timeout: -time.Second}},
		wantErr: []string{`task "a" has a negative Timeout or Retry duration`},
	}, {
		name: "all errors are reported",
		tasks: []flow.Task{
			{Name: "a", Fn: noop},
			{Name: "a", Fn: noop},
			{Name: "b", Fn: noop, Dependencies: flow.NewTaskIDs("x")},
		},
		wantErr: []string{`task "a" is added more than once`, `task "b" depends on unknown task "x"`},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			graph := flow.NewGraph("test")
			for _, task := range tc.tasks {
				g.Expect(graph.Add(task)).To(Equal(flow.TaskID(task.Name)))
			}

			f, err := graph.Compile()

			if len(tc.wantErr) == 0 {
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(f.Name()).To(Equal("test"))
				return
			}
			g.Expect(f).To(BeNil())
			g.Expect(err).To(MatchError(HavePrefix(`invalid flow "test": `)))
			for _, want := range tc.wantErr {
				g.Expect(err).To(MatchError(ContainSubstring(want)))
			}
		})
	}
}
