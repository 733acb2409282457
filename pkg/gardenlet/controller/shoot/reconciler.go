package shoot

import (
	"context"
	"fmt"
	"sync"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// The Event the controller records on a Shoot.
const (
	// EventReasonSeedObserved is its reason.
	EventReasonSeedObserved = "SeedObserved"
	// EventActionObserve is its action.
	EventActionObserve = "Observe"
)

// DefaultSyncPeriod is how often a Shoot is looked at again when Config leaves it unset.
const DefaultSyncPeriod = time.Hour

// Reconciler observes the Shoots whose spec.seedName is SeedName: once per generation of a
// Shoot (and gardenlet process), it records a Normal Event SeedObserved on it that says the
// gardenlet saw it and does not deploy its control plane yet. It writes nothing else: no
// status, no finalizer. The flows of the next version replace it.
type Reconciler struct {
	// Client reads Shoots, from the manager's cache, which holds only the Shoots of the
	// seed. Defaults to the manager's client.
	Client client.Client
	// Recorder records the Events on Shoots in the garden. Defaults to the manager's
	// recorder for ControllerName.
	Recorder events.EventRecorder
	// SeedName is the name of the gardenlet's Seed.
	SeedName string
	// SyncPeriod is how often a Shoot is looked at again. Defaults to DefaultSyncPeriod.
	SyncPeriod time.Duration
	// ConcurrentSyncs is how many Shoots are reconciled at once. Defaults to 1.
	ConcurrentSyncs int

	mu sync.Mutex
	// observed holds the last announced generation of each Shoot.
	observed map[types.NamespacedName]observation
}

// observation is an announced generation of a Shoot; a Shoot created again under the same
// name has another UID.
type observation struct {
	uid        types.UID
	generation int64
}

// Reconcile records the SeedObserved Event on the Shoot named by req once per generation.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	shoot := &gardencorev1beta1.Shoot{}
	if err := r.Client.Get(ctx, req.NamespacedName, shoot); err != nil {
		if apierrors.IsNotFound(err) {
			r.forget(req.NamespacedName)
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, fmt.Errorf("reading the shoot: %w", err)
	}
	if ptr.Deref(shoot.Spec.SeedName, "") != r.SeedName {
		// Moved away from the seed; the cache drops it soon.
		return reconcile.Result{}, nil
	}
	if r.announce(shoot) {
		// The Event's reference to the Shoot carries its resourceVersion, so the Events of
		// two generations are never merged into one series.
		r.Recorder.Eventf(shoot, nil, corev1.EventTypeNormal, EventReasonSeedObserved, EventActionObserve, "%s", Message(r.SeedName, shoot.Generation))
		logf.FromContext(ctx).Info("Observed the shoot", "generation", shoot.Generation)
	}
	return reconcile.Result{RequeueAfter: r.SyncPeriod}, nil
}

// Message is the message of the SeedObserved Event.
func Message(seedName string, generation int64) string {
	return fmt.Sprintf("Seed %q observed the shoot (generation %d); its control plane is not deployed by this gardenlet version yet", seedName, generation)
}

// announce returns true the first time it sees a generation of shoot.
func (r *Reconciler) announce(shoot *gardencorev1beta1.Shoot) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.observed == nil {
		r.observed = map[types.NamespacedName]observation{}
	}
	key := client.ObjectKeyFromObject(shoot)
	if o, ok := r.observed[key]; ok && o.uid == shoot.UID && o.generation >= shoot.Generation {
		return false
	}
	r.observed[key] = observation{uid: shoot.UID, generation: shoot.Generation}
	return true
}

// forget drops what is known of a Shoot that is gone.
func (r *Reconciler) forget(key types.NamespacedName) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.observed, key)
}
