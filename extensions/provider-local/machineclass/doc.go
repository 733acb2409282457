// Package machineclass is the provider-specific part of provider-local's MachineClasses:
// what a simulated machine is given when machine-controller-manager asks the local driver
// to create it.
package machineclass
