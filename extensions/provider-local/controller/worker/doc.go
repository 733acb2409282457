// Package worker is provider-local's Worker controller: per worker pool and zone it keeps
// a MachineClass of provider local and a MachineDeployment for machine-controller-manager,
// whose machines are simulated nodes.
package worker
