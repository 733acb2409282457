package shoot

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/hortus-dev/hortus/pkg/flow"
)

// writes records the progress writes.
type writes struct {
	mu  sync.Mutex
	got []int
	// block, when set, holds every write until it is closed; entered then gets a value
	// when a write starts.
	block, entered chan struct{}
}

func (w *writes) write(_ context.Context, s flow.Stats) error {
	if w.block != nil {
		w.entered <- struct{}{}
		<-w.block
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.got = append(w.got, s.Percent)
	return nil
}

func (w *writes) percents() []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]int(nil), w.got...)
}

func TestProgressReporterCoalesces(t *testing.T) {
	g := NewWithT(t)
	clk := clocktesting.NewFakeClock(time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC))
	w := &writes{}
	p := newProgressReporter(w.write, clk, time.Second, logr.Discard())
	ctx := context.Background()

	// The first report is written at once.
	p.report(ctx, flow.Stats{Percent: 0})
	g.Eventually(w.percents).Should(Equal([]int{0}))

	// Reports within the interval wait, and only the latest is written.
	for _, percent := range []int{10, 20, 30} {
		p.report(ctx, flow.Stats{Percent: percent})
	}
	g.Consistently(w.percents, 50*time.Millisecond).Should(Equal([]int{0}))
	g.Eventually(clk.HasWaiters).Should(BeTrue())
	clk.Step(time.Second)
	g.Eventually(w.percents).Should(Equal([]int{0, 30}))

	// Once the interval has passed since the last write, a report is written at once.
	clk.Step(2 * time.Second)
	p.report(ctx, flow.Stats{Percent: 40})
	g.Eventually(w.percents).Should(Equal([]int{0, 30, 40}))

	// A pending report is dropped by stop: the operation's final status follows.
	p.report(ctx, flow.Stats{Percent: 50})
	p.stop()
	clk.Step(time.Second)
	p.report(ctx, flow.Stats{Percent: 60})
	g.Consistently(w.percents, 50*time.Millisecond).Should(Equal([]int{0, 30, 40}))
}

func TestProgressReporterStopWaitsForAWrite(t *testing.T) {
	g := NewWithT(t)
	clk := clocktesting.NewFakeClock(time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC))
	w := &writes{block: make(chan struct{}), entered: make(chan struct{}, 1)}
	p := newProgressReporter(w.write, clk, time.Second, logr.Discard())
	p.report(context.Background(), flow.Stats{Percent: 10})
	g.Eventually(w.entered).Should(Receive(), "the write is in flight")

	stopped := make(chan struct{})
	go func() {
		p.stop()
		close(stopped)
	}()
	g.Consistently(stopped, 100*time.Millisecond).ShouldNot(BeClosed(), "stop waits for the write in flight")
	close(w.block)
	g.Eventually(stopped).Should(BeClosed())
	g.Expect(w.percents()).To(Equal([]int{10}))
}
