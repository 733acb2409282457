package flow_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/flow"
)

func TestRetry(t *testing.T) {
	notReady := errors.New("not ready")
	invalid := flow.Terminal(errors.New("invalid spec"))
	for _, tc := range []struct {
		name string
		// errs are what the attempts return, one each; later attempts succeed.
		errs         []error
		retry        flow.Backoff
		wantWaits    []time.Duration
		wantErr      string
		wantTerminal bool
	}{{
		name:  "succeeds at once",
		retry: flow.Backoff{Initial: time.Second, Max: 4 * time.Second},
	}, {
		name:      "doubles the wait",
		errs:      []error{notReady, notReady, notReady},
		retry:     flow.Backoff{Initial: time.Second, Max: time.Minute},
		wantWaits: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second},
	}, {
		name:      "caps the wait",
		errs:      []error{notReady, notReady, notReady, notReady, notReady},
		retry:     flow.Backoff{Initial: time.Second, Max: 4 * time.Second},
		wantWaits: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second},
	}, {
		name:      "no cap",
		errs:      []error{notReady, notReady, notReady, notReady},
		retry:     flow.Backoff{Initial: time.Second},
		wantWaits: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second},
	}, {
		name:    "no retry",
		errs:    []error{notReady},
		wantErr: `task "etcd" failed: not ready`,
	}, {
		name:         "terminal error stops at once",
		errs:         []error{invalid, notReady},
		retry:        flow.Backoff{Initial: time.Second},
		wantErr:      `task "etcd" failed: invalid spec`,
		wantTerminal: true,
	}, {
		name:         "terminal error after transient ones",
		errs:         []error{notReady, notReady, invalid, notReady},
		retry:        flow.Backoff{Initial: time.Second},
		wantWaits:    []time.Duration{time.Second, 2 * time.Second},
		wantErr:      `task "etcd" failed: invalid spec`,
		wantTerminal: true,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			clk := newTimerClock()
			var attempts atomic.Int32
			graph := flow.NewGraph("test")
			graph.Add(flow.Task{
				Name: "etcd",
				Fn: func(context.Context) error {
					n := int(attempts.Add(1))
					if n <= len(tc.errs) {
						return tc.errs[n-1]
					}
					return nil
				},
				Timeout: time.Hour,
				Retry:   tc.retry,
			})
			f, err := graph.Compile()
			g.Expect(err).NotTo(HaveOccurred())
			var took time.Duration

			done := runAsync(func() error {
				return f.Run(context.Background(), flow.Opts{Clock: clk, OnTaskDone: func(_ string, d time.Duration, _ error) { took = d }})
			})
			g.Expect(clk.nextTimer(t)).To(Equal(time.Hour), "the timeout")
			var total time.Duration
			for _, want := range tc.wantWaits {
				wait := clk.nextTimer(t)
				g.Expect(wait).To(Equal(want))
				clk.Step(wait)
				total += wait
			}
			err = done.wait(t)

			g.Expect(clk.timers).To(BeEmpty(), "no more waits")
			g.Expect(took).To(Equal(total))
			if tc.wantErr == "" {
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(attempts.Load()).To(BeEquivalentTo(len(tc.errs) + 1))
				return
			}
			g.Expect(err).To(MatchError(tc.wantErr))
			g.Expect(flow.IsTerminal(err)).To(Equal(tc.wantTerminal))
			g.Expect(attempts.Load()).To(BeEquivalentTo(len(tc.wantWaits) + 1))
		})
	}
}

func TestTimeout(t *testing.T) {
	type step struct {
		// timer is the duration of the next timer the task creates, and advance how far
		// the test then moves the clock.
		timer, advance time.Duration
	}
	for _, tc := range []struct {
		name         string
		fn           func(ctx context.Context) error
		timeout      time.Duration
		retry        flow.Backoff
		steps        []step
		wantAttempts int32
		wantErr      string
	}{{
		name:    "gives up while waiting to retry",
		fn:      func(context.Context) error { return errors.New("not ready") },
		timeout: 10 * time.Second,
		retry:   flow.Backoff{Initial: time.Second, Max: 4 * time.Second},
		steps: []step{
			{timer: 10 * time.Second},
			{timer: time.Second, advance: time.Second},         // at 1s
			{timer: 2 * time.Second, advance: 2 * time.Second}, // at 3s
			{timer: 4 * time.Second, advance: 4 * time.Second}, // at 7s
			{timer: 4 * time.Second, advance: 3 * time.Second}, // timeout at 10s
		},
		wantAttempts: 4,
		wantErr:      `task "etcd" failed: timed out after 10s; last error: not ready`,
	}, {
		name: "cancels a hung attempt",
		fn: func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		},
		timeout:      5 * time.Second,
		steps:        []step{{timer: 5 * time.Second, advance: 5 * time.Second}},
		wantAttempts: 1,
		wantErr:      `task "etcd" failed: timed out after 5s`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			clk := newTimerClock()
			var attempts atomic.Int32
			graph := flow.NewGraph("test")
			graph.Add(flow.Task{
				Name: "etcd",
				Fn: func(ctx context.Context) error {
					attempts.Add(1)
					return tc.fn(ctx)
				},
				Timeout: tc.timeout,
				Retry:   tc.retry,
			})
			f, err := graph.Compile()
			g.Expect(err).NotTo(HaveOccurred())

			done := runAsync(func() error { return f.Run(context.Background(), flow.Opts{Clock: clk}) })
			for _, s := range tc.steps {
				g.Expect(clk.nextTimer(t)).To(Equal(s.timer))
				clk.Step(s.advance)
			}
			err = done.wait(t)

			g.Expect(err).To(MatchError(tc.wantErr))
			g.Expect(errors.Is(err, flow.ErrTimeout)).To(BeTrue())
			g.Expect(flow.IsTerminal(err)).To(BeFalse())
			g.Expect(attempts.Load()).To(Equal(tc.wantAttempts))
		})
	}
}

func TestTerminal(t *testing.T) {
	g := NewWithT(t)
	err := errors.New("invalid spec")

	g.Expect(flow.Terminal(nil)).To(BeNil())
	g.Expect(flow.Terminal(err)).To(MatchError(err))
	g.Expect(flow.IsTerminal(flow.Terminal(err))).To(BeTrue())
	g.Expect(flow.IsTerminal(err)).To(BeFalse())
	g.Expect(flow.IsTerminal(nil)).To(BeFalse())
}
