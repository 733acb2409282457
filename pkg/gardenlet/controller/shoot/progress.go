package shoot

import (
	"context"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/utils/clock"

	"github.com/hortus-dev/hortus/pkg/flow"
)

// DefaultProgressInterval is how often, at most, a running flow writes its progress into
// the shoot's status.
const DefaultProgressInterval = time.Second

// progressReporter writes a flow's progress into the shoot's status at most once per
// interval: the first report at once, the later ones coalesced into one write when the
// interval has passed. A flow reports at every task start and end, about 50 times for a
// shoot with workers; every write goes to the garden and to everyone who watches shoots.
// The writes also happen off the flow's goroutine, so that no task waits for them.
//
// stop ends the reporting and waits for a write in flight, so that no progress lands
// after the operation's final status.
type progressReporter struct {
	write    func(context.Context, flow.Stats) error
	clock    clock.WithDelayedExecution
	interval time.Duration
	log      logr.Logger

	mu      sync.Mutex
	pending *flow.Stats
	last    time.Time
	// scheduled is set while a write is due; timer is that write's timer, nil for one
	// started at once.
	scheduled bool
	timer     clock.Timer
	stopped   bool
	// writing is held during a write; taken while mu is held, so that stop, once it has
	// taken mu, waits for a write that passed its check.
	writing sync.Mutex
}

func newProgressReporter(write func(context.Context, flow.Stats) error, clk clock.Clock, interval time.Duration, log logr.Logger) *progressReporter {
	delayed, ok := clk.(clock.WithDelayedExecution)
	if !ok {
		delayed = clock.RealClock{}
	}
	if interval <= 0 {
		interval = DefaultProgressInterval
	}
	return &progressReporter{write: write, clock: delayed, interval: interval, log: log}
}

// report records s as the latest progress and makes sure that a write of it is due.
func (p *progressReporter) report(ctx context.Context, s flow.Stats) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	p.pending = &s
	if p.scheduled {
		return // the write that is due takes the latest progress
	}
	p.scheduled = true
	wait := p.interval - p.clock.Since(p.last)
	if wait <= 0 {
		go p.flush(ctx)
		return
	}
	// In a goroutine of its own: a fake clock calls f while it holds its lock.
	p.timer = p.clock.AfterFunc(wait, func() { go p.flush(ctx) })
}

// flush writes the pending progress.
func (p *progressReporter) flush(ctx context.Context) {
	p.mu.Lock()
	s := p.pending
	p.pending, p.scheduled, p.timer = nil, false, nil
	if p.stopped || s == nil {
		p.mu.Unlock()
		return
	}
	p.writing.Lock()
	p.last = p.clock.Now()
	p.mu.Unlock()
	defer p.writing.Unlock()
	if err := p.write(ctx, *s); err != nil {
		p.log.Error(err, "Reporting progress")
	}
}

// stop ends the reporting: nothing is written after it returns.
func (p *progressReporter) stop() {
	p.mu.Lock()
	p.stopped = true
	if p.timer != nil {
		p.timer.Stop()
	}
	p.mu.Unlock()
	p.writing.Lock()
	defer p.writing.Unlock()
}
