package mcm

import (
	"testing"

	. "github.com/onsi/gomega"
)

func TestCompleteFillsDefaults(t *testing.T) {
	g := NewWithT(t)
	o := Options{ControlKubeconfig: "c", TargetKubeconfig: "t", Namespace: "n", MachinesDir: "d"}
	g.Expect(o.complete()).To(Succeed())
	g.Expect(o.Validate()).To(Succeed())
	g.Expect(o.NodeBinary).NotTo(BeEmpty())
	g.Expect(o.MachineCreationTimeout).To(Equal(DefaultMachineCreationTimeout))
	g.Expect(o.MachineHealthTimeout).To(Equal(DefaultMachineHealthTimeout))
	g.Expect(o.MachineDrainTimeout).To(Equal(DefaultMachineDrainTimeout))
	g.Expect(o.MaxEvictRetries).To(Equal(int32(DefaultMaxEvictRetries)))
	g.Expect(o.OrphanMachinesPeriod).To(Equal(DefaultOrphanMachinesPeriod))
	g.Expect(o.ConcurrentSyncs).To(Equal(DefaultConcurrentSyncs))

	s := o.providerSafety()
	g.Expect(s.MachineCreationTimeout.Duration).To(Equal(DefaultMachineCreationTimeout))
	g.Expect(s.MachineDrainTimeout.Duration).To(Equal(DefaultMachineDrainTimeout))
	// machine-controller-manager refuses a status check period below its timeout.
	g.Expect(s.MachineSafetyAPIServerStatusCheckPeriod.Duration).To(BeNumerically(">=", s.MachineSafetyAPIServerStatusCheckTimeout.Duration))
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		o       Options
		wantErr []string
	}{
		{
			name:    "nothing set",
			wantErr: []string{"the control kubeconfig is not set", "the target kubeconfig is not set", "the namespace is not set", "the machines directory is not set"},
		},
		{
			name: "negative values",
			o: Options{
				ControlKubeconfig: "c", TargetKubeconfig: "t", Namespace: "n", MachinesDir: "d",
				MachineCreationTimeout: -1, MachineDrainTimeout: -1, MaxEvictRetries: -1, ConcurrentSyncs: -1,
			},
			wantErr: []string{"machine creation timeout must not be negative", "machine drain timeout must not be negative", "maximum evict retries must not be negative", "concurrent syncs must not be negative"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			err := tc.o.Validate()
			g.Expect(err).To(HaveOccurred())
			for _, want := range tc.wantErr {
				g.Expect(err.Error()).To(ContainSubstring(want))
			}
		})
	}
}
