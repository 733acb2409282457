package mcm

import (
	"testing"

	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	machinefake "github.com/gardener/machine-controller-manager/pkg/client/clientset/versioned/fake"
	"github.com/gardener/machine-controller-manager/pkg/util/provider/machineutils"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestTerminationHandOver(t *testing.T) {
	machine := func(phase machinev1alpha1.MachinePhase, op machinev1alpha1.MachineOperationType, description string) *machinev1alpha1.Machine {
		return &machinev1alpha1.Machine{
			ObjectMeta: metav1.ObjectMeta{Namespace: "shoot--a--b", Name: "pool-z1-abcde-xyz12"},
			Status: machinev1alpha1.MachineStatus{
				CurrentStatus: machinev1alpha1.CurrentStatus{Phase: phase},
				LastOperation: machinev1alpha1.LastOperation{Type: op, State: machinev1alpha1.MachineStateProcessing, Description: description},
			},
		}
	}
	tests := map[string]struct {
		written *machinev1alpha1.Machine
		want    string
	}{
		"the MachineSet controller deleting a machine starts the deletion flow": {
			written: machine(machinev1alpha1.MachineTerminating, machinev1alpha1.MachineOperationDelete, machineSetDeletingDescription),
			want:    machineutils.GetVMStatus,
		},
		"a step of the deletion flow stays": {
			written: machine(machinev1alpha1.MachineTerminating, machinev1alpha1.MachineOperationDelete, machineutils.InitiateDrain),
			want:    machineutils.InitiateDrain,
		},
		"another operation stays": {
			written: machine(machinev1alpha1.MachineRunning, machinev1alpha1.MachineOperationHealthCheck, machineSetDeletingDescription),
			want:    machineSetDeletingDescription,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			fake := machinefake.NewSimpleClientset(tt.written.DeepCopy())
			c := coreClient{MachineV1alpha1Interface: fake.MachineV1alpha1()}.Machines(tt.written.Namespace)
			sent := tt.written.DeepCopy()

			_, err := c.UpdateStatus(t.Context(), sent, metav1.UpdateOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			stored, err := fake.MachineV1alpha1().Machines(tt.written.Namespace).Get(t.Context(), tt.written.Name, metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(stored.Status.LastOperation.Description).To(Equal(tt.want))
			g.Expect(stored.Status.CurrentStatus.Phase).To(Equal(tt.written.Status.CurrentStatus.Phase))
			g.Expect(sent).To(Equal(tt.written), "the caller's object is not changed")
		})
	}
}
