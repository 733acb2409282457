package shoot

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the shoot controller's Prometheus metrics. A nil *Metrics records nothing.
type Metrics struct {
	operations *prometheus.HistogramVec
	tasks      *prometheus.HistogramVec
}

// NewMetrics creates the metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		operations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hortus_gardenlet_shoot_operation_duration_seconds",
			Help:    "Duration of shoot operations (Create, Reconcile, Delete) by type and result.",
			Buckets: prometheus.ExponentialBuckets(0.5, 2, 12),
		}, []string{"type", "result"}),
		tasks: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hortus_gardenlet_flow_task_duration_seconds",
			Help:    "Duration of the tasks of the shoot flows by flow, task and result.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 14),
		}, []string{"flow", "task", "result"}),
	}
	for _, c := range []prometheus.Collector{m.operations, m.tasks} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func result(err error) string {
	if err != nil {
		return "error"
	}
	return "success"
}

func (m *Metrics) observeOperation(opType string, start, end time.Time, err error) {
	if m == nil {
		return
	}
	m.operations.WithLabelValues(opType, result(err)).Observe(end.Sub(start).Seconds())
}

func (m *Metrics) observeTask(flowName, task string, d time.Duration, err error) {
	if m == nil {
		return
	}
	m.tasks.WithLabelValues(flowName, task, result(err)).Observe(d.Seconds())
}
