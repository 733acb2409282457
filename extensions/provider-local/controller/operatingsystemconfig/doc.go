// Package operatingsystemconfig is provider-local's OperatingSystemConfig controller: it
// renders the #cloud-config user data with which a simulated node joins its shoot (a
// bootstrap token kubeconfig, the cluster CA and the kubelet configuration).
package operatingsystemconfig
