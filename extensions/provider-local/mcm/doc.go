// Package mcm runs machine-controller-manager for provider-local in one process: MCM's
// MachineDeployment, MachineSet and safety controllers together with its machine controller
// and the local driver, whose machines are simulated nodes running as local processes.
package mcm
