package care

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/gardenlet/condition"
	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/shoot"
	"github.com/hortus-dev/hortus/pkg/shootpki"
)

// ControllerName is the name of the controller.
const ControllerName = "shoot-care"

// DefaultSyncPeriod is how often a shoot is checked.
const DefaultSyncPeriod = 30 * time.Second

// Reconciler checks a shoot every SyncPeriod and writes its conditions:
//   - APIServerAvailable: the shoot's kube-apiserver answers /readyz to the gardenlet's
//     own client certificate;
//   - ControlPlaneHealthy: every control-plane process runs and passed its readiness
//     probe (from the executor);
//   - EveryNodeReady, for shoots with workers: the ready Nodes against the pools' minimums;
//   - SystemComponentsHealthy, for shoots with workers: Hortus deploys no system
//     components into shoots yet, and the condition says so.
//
// A hibernated shoot's conditions say it is hibernated. A shoot that was never reconciled,
// or is being deleted, is left alone.
type Reconciler struct {
	GardenClient client.Client
	SeedClient   client.Client
	Executors    *shoot.Executors
	SeedName     string
	SyncPeriod   time.Duration
	Clock        clock.Clock
}

// Reconcile checks one shoot.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	s := &gardencorev1beta1.Shoot{}
	if err := r.GardenClient.Get(ctx, req.NamespacedName, s); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if ptr.Deref(s.Spec.SeedName, "") != r.SeedName || s.DeletionTimestamp != nil || s.Status.LastOperation == nil || s.Status.TechnicalID == "" {
		return reconcile.Result{RequeueAfter: r.SyncPeriod}, nil
	}
	wanted := r.check(ctx, s)
	now := r.Clock.Now()
	conditions := s.Status.Conditions
	for _, c := range wanted {
		conditions = condition.Set(conditions, c, now)
	}
	if len(s.Spec.Provider.Workers) == 0 {
		conditions = condition.Remove(conditions, gardencorev1beta1.ShootEveryNodeReady)
		conditions = condition.Remove(conditions, gardencorev1beta1.ShootSystemComponentsHealthy)
	}
	patch := client.MergeFrom(s.DeepCopy())
	s.Status.Conditions = conditions
	if err := r.GardenClient.Status().Patch(ctx, s, patch); err != nil {
		return reconcile.Result{}, fmt.Errorf("writing the shoot's conditions: %w", err)
	}
	return reconcile.Result{RequeueAfter: r.SyncPeriod}, nil
}

// check computes the conditions, without times.
func (r *Reconciler) check(ctx context.Context, s *gardencorev1beta1.Shoot) []gardencorev1beta1.Condition {
	types := []gardencorev1beta1.ConditionType{gardencorev1beta1.ShootAPIServerAvailable, gardencorev1beta1.ShootControlPlaneHealthy}
	withWorkers := len(s.Spec.Provider.Workers) > 0
	if withWorkers {
		types = append(types, gardencorev1beta1.ShootEveryNodeReady, gardencorev1beta1.ShootSystemComponentsHealthy)
	}
	if s.Status.IsHibernated {
		out := make([]gardencorev1beta1.Condition, len(types))
		for i, t := range types {
			out[i] = Hibernated(t)
		}
		return out
	}

	components := shoot.Components
	if withWorkers {
		components = append(slices.Clone(components), shoot.MachineControllerManager)
	}
	statuses := map[string]component.Status{}
	if ex, err := r.Executors.For(s.Status.TechnicalID); err == nil {
		for _, name := range components {
			if st, err := ex.Status(ctx, name); err == nil && len(st) == 1 {
				statuses[name] = st[0]
			}
		}
	}
	out := []gardencorev1beta1.Condition{ControlPlaneCondition(components, statuses)}

	// One HTTP client (client-go caches its transport by TLS configuration) serves the
	// readiness check and the node list; a typed client needs no discovery of the shoot's
	// API, which a controller-runtime client would do at every check.
	var (
		nodesClient corev1client.NodesGetter
		readyErr    error
	)
	if c, err := r.shootClient(ctx, s); err != nil {
		readyErr = err
	} else if hc, err := rest.HTTPClientFor(c); err != nil {
		readyErr = err
	} else if readyErr = readyz(ctx, hc, c.Host); readyErr == nil {
		nodesClient, readyErr = corev1client.NewForConfigAndClient(c, hc)
	}
	out = append(out, APIServerCondition(readyErr))

	if withWorkers {
		var (
			nodes *corev1.NodeList
			err   error
		)
		if readyErr == nil {
			nodes, err = nodesClient.Nodes().List(ctx, metav1.ListOptions{})
		}
		if readyErr != nil {
			out = append(out, gardencorev1beta1.Condition{Type: gardencorev1beta1.ShootEveryNodeReady, Status: gardencorev1beta1.ConditionUnknown,
				Reason: ReasonUnhealthy, Message: "The nodes cannot be listed: the kube-apiserver is not available."})
		} else if err != nil {
			out = append(out, gardencorev1beta1.Condition{Type: gardencorev1beta1.ShootEveryNodeReady, Status: gardencorev1beta1.ConditionUnknown,
				Reason: ReasonUnhealthy, Message: fmt.Sprintf("The nodes cannot be listed: %v.", err)})
		} else {
			ready, notReady := 0, []string{}
			for _, n := range nodes.Items {
				if nodeReady(&n) {
					ready++
				} else {
					notReady = append(notReady, n.Name)
				}
			}
			out = append(out, NodesCondition(s.Spec.Provider.Workers, ready, len(nodes.Items), notReady))
		}
		out = append(out, gardencorev1beta1.Condition{Type: gardencorev1beta1.ShootSystemComponentsHealthy, Status: gardencorev1beta1.ConditionTrue,
			Reason: ReasonNoSystemComponents, Message: "Hortus deploys no system components into shoots yet; there is nothing to be unhealthy."})
	}
	return out
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// shootClient is the REST configuration of the shoot's kube-apiserver with the gardenlet's
// client certificate from the shoot's PKI in the seed.
func (r *Reconciler) shootClient(ctx context.Context, s *gardencorev1beta1.Shoot) (*rest.Config, error) {
	if len(s.Status.AdvertisedAddresses) == 0 {
		return nil, fmt.Errorf("the shoot has no advertised address yet")
	}
	ca := &corev1.Secret{}
	if err := r.SeedClient.Get(ctx, client.ObjectKey{Namespace: s.Status.TechnicalID, Name: shootpki.SecretCA}, ca); err != nil {
		return nil, fmt.Errorf("reading the shoot's CA: %w", err)
	}
	cert := &corev1.Secret{}
	if err := r.SeedClient.Get(ctx, client.ObjectKey{Namespace: s.Status.TechnicalID, Name: shootpki.SecretGardenlet}, cert); err != nil {
		return nil, fmt.Errorf("reading the gardenlet's certificate for the shoot: %w", err)
	}
	return &rest.Config{
		Host:    s.Status.AdvertisedAddresses[0].URL,
		Timeout: 5 * time.Second,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   ca.Data[shootpki.DataKeyCACert],
			CertData: cert.Data[shootpki.DataKeyCert],
			KeyData:  cert.Data[shootpki.DataKeyKey],
		},
	}, nil
}

// readyz returns nil when the kube-apiserver at host answers 200 on /readyz.
func readyz(ctx context.Context, hc *http.Client, host string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, host+"/readyz", nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}
