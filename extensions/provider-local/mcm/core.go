package mcm

import (
	"context"

	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	machineapi "github.com/gardener/machine-controller-manager/pkg/client/clientset/versioned/typed/machine/v1alpha1"
	"github.com/gardener/machine-controller-manager/pkg/util/provider/machineutils"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// coreClient is the machine API client of machine-controller-manager's MachineDeployment,
// MachineSet and safety controllers, with Hortus' two changes to how they work together:
// the scale-up barrier on MachineSets (surge.go) and the termination hand-over on Machines
// (below). The machine controller gets the plain client.
type coreClient struct {
	machineapi.MachineV1alpha1Interface
	barrier *scaleUpBarrier
}

func (c coreClient) MachineSets(namespace string) machineapi.MachineSetInterface {
	return barrierMachineSets{MachineSetInterface: c.MachineV1alpha1Interface.MachineSets(namespace), barrier: c.barrier}
}

func (c coreClient) Machines(namespace string) machineapi.MachineInterface {
	return terminationHandOver{c.MachineV1alpha1Interface.Machines(namespace)}
}

// machineSetDeletingDescription is what machine-controller-manager's MachineSet controller
// (v0.62, prepareMachineForDeletion) writes into a Machine's lastOperation when it deletes
// the machine, together with the phase Terminating.
const machineSetDeletingDescription = "Deleting machine from cloud provider"

// terminationHandOver hands a machine that the MachineSet controller deletes to the machine
// controller's deletion flow at its first step.
//
// The machine controller reads where its deletion flow stands from the step named in
// lastOperation.description. The MachineSet controller marks the machine Terminating with a
// description that names no step, so the machine controller logs "Unable to decode deletion
// flow state … Re-initiate termination" and starts over with its first step, which writes
// the same status with that step's description (machineutils.GetVMStatus): 5 s lost on
// every machine deleted by a scale-down, a rolling update or a deletion, since each step
// requeues the machine after machineutils.ShortRetry. This writes the first step's
// description at once.
type terminationHandOver struct {
	machineapi.MachineInterface
}

func (c terminationHandOver) UpdateStatus(ctx context.Context, m *machinev1alpha1.Machine, opts metav1.UpdateOptions) (*machinev1alpha1.Machine, error) {
	op := m.Status.LastOperation
	if m.Status.CurrentStatus.Phase == machinev1alpha1.MachineTerminating && op.Type == machinev1alpha1.MachineOperationDelete && op.Description == machineSetDeletingDescription {
		m = m.DeepCopy()
		m.Status.LastOperation.Description = machineutils.GetVMStatus
	}
	return c.MachineInterface.UpdateStatus(ctx, m, opts)
}
