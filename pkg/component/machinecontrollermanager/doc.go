// Package machinecontrollermanager describes a shoot's machine-controller-manager: the
// `hortus machine-controller-manager` process that runs machine-controller-manager's
// controllers with provider-local's driver, whose machines are simulated nodes.
package machinecontrollermanager
