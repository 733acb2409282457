package mcm

import (
	"context"
	"time"

	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	machineapi "github.com/gardener/machine-controller-manager/pkg/client/clientset/versioned/typed/machine/v1alpha1"
	machinelisters "github.com/gardener/machine-controller-manager/pkg/client/listers/machine/v1alpha1"
	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// Why the MachineDeployment controller gets a scale-up barrier:
//
// machine-controller-manager (v0.62) decides how far a rolling update may surge from the
// machines its MachineSets have counted, status.replicas (NewISNewReplicas sums them with
// GetActualReplicaCountForMachineSets), and not from the sets' spec.replicas as Kubernetes'
// Deployment controller does. Right after it scales a set up, that set's status still counts
// the machines it had: the MachineSet controller has yet to create the new Machines and
// count them in a second sync. A MachineDeployment sync in that window, which the set's own
// update event starts, sees room to surge again. With 3 replicas and maxSurge 1 that gave 5
// and even 6 machines.
//
// The barrier closes the window. A scale-up that the controllers write through it (a new
// MachineSet with replicas, or a raised spec.replicas) returns only once the set's status,
// as the shared informer shows it, counts that many machines. The deployment controller
// syncs one MachineDeployment on one worker at a time, so its next sync of the deployment
// reads the new machines. If the set does not get there within the timeout (its machines
// cannot be created, or it is frozen), the call returns anyway and the controller goes on as
// machine-controller-manager would without the barrier.

const (
	// scaleUpBarrierTimeout bounds how long a scale-up waits for its machine set's status.
	// The MachineSet controller creates Machine objects, not VMs, so it takes milliseconds.
	scaleUpBarrierTimeout = 30 * time.Second
	// scaleUpBarrierInterval is how often the informer's copy of the set is read meanwhile.
	scaleUpBarrierInterval = 10 * time.Millisecond
)

// scaleUpBarrier makes machine set scale-ups wait for the set's status; see above.
type scaleUpBarrier struct {
	// stopped ends the waits when machine-controller-manager stops; its controllers call
	// the client with context.Background().
	stopped <-chan struct{}
	log     logr.Logger
	sets    machinelisters.MachineSetLister
	timeout time.Duration
}

// newScaleUpBarrier returns a barrier that reads the sets from the controllers' informer
// and stops waiting when ctx ends.
func newScaleUpBarrier(ctx context.Context, log logr.Logger, sets machinelisters.MachineSetLister) *scaleUpBarrier {
	return &scaleUpBarrier{stopped: ctx.Done(), log: log, sets: sets, timeout: scaleUpBarrierTimeout}
}

// barrierMachineSets is a MachineSet client whose scale-ups wait at the barrier.
type barrierMachineSets struct {
	machineapi.MachineSetInterface
	barrier *scaleUpBarrier
}

func (s barrierMachineSets) Create(ctx context.Context, set *machinev1alpha1.MachineSet, opts metav1.CreateOptions) (*machinev1alpha1.MachineSet, error) {
	created, err := s.MachineSetInterface.Create(ctx, set, opts)
	if err == nil && created.Spec.Replicas > 0 && len(opts.DryRun) == 0 {
		s.barrier.wait(ctx, created, false)
	}
	return created, err
}

func (s barrierMachineSets) Update(ctx context.Context, set *machinev1alpha1.MachineSet, opts metav1.UpdateOptions) (*machinev1alpha1.MachineSet, error) {
	// The informer's copy is what the deployment controller read before it decided. The
	// rare stale copy only makes an update that raises nothing wait for what the set has.
	before, _ := s.barrier.sets.MachineSets(set.Namespace).Get(set.Name)
	updated, err := s.MachineSetInterface.Update(ctx, set, opts)
	if err == nil && before != nil && updated.Spec.Replicas > before.Spec.Replicas && len(opts.DryRun) == 0 {
		s.barrier.wait(ctx, updated, true)
	}
	return updated, err
}

// wait returns once the informer shows written's status counting written's replicas, or
// counting the fewer replicas the set was scaled to since, or the set gone or replaced. It
// also returns on its timeout, when ctx ends or when machine-controller-manager stops.
// known says whether the informer had the set before the write; a set it has not seen yet
// is not gone.
func (b *scaleUpBarrier) wait(ctx context.Context, written *machinev1alpha1.MachineSet, known bool) {
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	go func() {
		select {
		case <-b.stopped:
			cancel()
		case <-ctx.Done():
		}
	}()

	start := time.Now()
	err := wait.PollUntilContextCancel(ctx, scaleUpBarrierInterval, true, func(context.Context) (bool, error) {
		done, seen := b.counted(written, known)
		known = seen
		return done, nil
	})
	log := b.log.WithValues("machineSet", written.Namespace+"/"+written.Name, "replicas", written.Spec.Replicas)
	if err != nil {
		select {
		case <-b.stopped:
		default:
			log.Info("The machine set did not count its new machines in time; machine-controller-manager goes on and may surge past maxSurge",
				"waited", time.Since(start).Round(time.Millisecond))
		}
		return
	}
	log.V(1).Info("The machine set counts its new machines", "waited", time.Since(start).Round(time.Millisecond))
}

// counted reports whether the informer's copy of written has counted the machines written
// asks for, or no longer needs to, and whether the informer has the set (or had it, as
// known says).
func (b *scaleUpBarrier) counted(written *machinev1alpha1.MachineSet, known bool) (done, seen bool) {
	current, err := b.sets.MachineSets(written.Namespace).Get(written.Name)
	switch {
	case apierrors.IsNotFound(err):
		// Gone, unless the informer has yet to see it created.
		return known, known
	case err != nil:
		return false, known
	case current.UID != written.UID || current.DeletionTimestamp != nil:
		return true, true
	case current.Generation < written.Generation:
		// The informer has not seen the write yet.
		return false, true
	}
	return current.Status.Replicas >= min(written.Spec.Replicas, current.Spec.Replicas), true
}
