package machineclass

import (
	"encoding/json"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Provider is the provider name that MachineClasses of provider-local carry
// (MachineClass.provider) and that the local driver answers to.
const Provider = "local"

// UserDataKey is the key of the machine's user data in the Secret that
// MachineClass.secretRef names, as machine-controller-manager expects.
const UserDataKey = "userData"

// ProviderSpec is MachineClass.providerSpec for provider-local. The machine is a simulated
// node: it registers a Node with this capacity but runs no containers.
type ProviderSpec struct {
	// MachineType is the CloudProfile machine type, set as the node's
	// node.kubernetes.io/instance-type label.
	MachineType string `json:"machineType"`
	// CPU, Memory and Pods are the node's capacity and allocatable.
	CPU    resource.Quantity `json:"cpu"`
	Memory resource.Quantity `json:"memory"`
	Pods   resource.Quantity `json:"pods"`
	// Zone is the topology.kubernetes.io/zone of the node.
	Zone string `json:"zone,omitempty"`
	// Labels are extra node labels, such as worker.gardener.cloud/pool.
	Labels map[string]string `json:"labels,omitempty"`
}

// Marshal returns the JSON for MachineClass.providerSpec.
func (s ProviderSpec) Marshal() ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(s)
}

// Decode reads MachineClass.providerSpec.
func Decode(raw []byte) (*ProviderSpec, error) {
	if len(raw) == 0 {
		return nil, errors.New("the MachineClass has no providerSpec; provider-local's Worker controller writes it")
	}
	s := &ProviderSpec{}
	if err := json.Unmarshal(raw, s); err != nil {
		return nil, fmt.Errorf("MachineClass providerSpec is not provider-local's: %w", err)
	}
	return s, s.Validate()
}

// Validate reports every missing or non-positive field.
func (s ProviderSpec) Validate() error {
	var errs []error
	if s.MachineType == "" {
		errs = append(errs, errors.New("providerSpec.machineType is required"))
	}
	for name, q := range map[string]resource.Quantity{"cpu": s.CPU, "memory": s.Memory, "pods": s.Pods} {
		if q.Sign() <= 0 {
			errs = append(errs, fmt.Errorf("providerSpec.%s must be positive, got %s", name, q.String()))
		}
	}
	return errors.Join(errs...)
}
