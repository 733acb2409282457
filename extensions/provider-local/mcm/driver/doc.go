// Package driver is provider-local's machine-controller-manager driver: it "creates" a
// machine by starting a simulated node (`hortus simulated-node`) as a local process, not a VM.
package driver
