package shoot

import (
	"context"
	"strconv"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Metrics are the shoot controller's Prometheus metrics. A nil *Metrics records nothing.
type Metrics struct {
	operations *prometheus.HistogramVec
	tasks      *prometheus.HistogramVec
}

// NewMetrics creates the metrics and registers them with reg. With shoots, the gardenlet's
// (cached) reader of its seed's Shoots, it also exports the number of shoots by the state
// of their last operation and by hibernation, counted at each scrape.
func NewMetrics(reg prometheus.Registerer, shoots client.Reader) (*Metrics, error) {
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
	collectors := []prometheus.Collector{m.operations, m.tasks}
	if shoots != nil {
		collectors = append(collectors, &shootCounter{reader: shoots})
	}
	for _, c := range collectors {
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

// shootCounter exports hortus_gardenlet_shoots{state,hibernated}.
type shootCounter struct {
	reader client.Reader
}

var shootsDesc = prometheus.NewDesc("hortus_gardenlet_shoots",
	"Shoots on the gardenlet's seed by the state of their last operation (None before the first) and by hibernation.",
	[]string{"state", "hibernated"}, nil)

func (c *shootCounter) Describe(ch chan<- *prometheus.Desc) { ch <- shootsDesc }

func (c *shootCounter) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	list := &gardencorev1beta1.ShootList{}
	if err := c.reader.List(ctx, list); err != nil {
		ch <- prometheus.NewInvalidMetric(shootsDesc, err)
		return
	}
	type key struct {
		state      string
		hibernated bool
	}
	counts := map[key]int{}
	for _, s := range list.Items {
		state := "None"
		if op := s.Status.LastOperation; op != nil {
			state = string(op.State)
		}
		counts[key{state, s.Status.IsHibernated}]++
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(shootsDesc, prometheus.GaugeValue, float64(n), k.state, strconv.FormatBool(k.hibernated))
	}
}
