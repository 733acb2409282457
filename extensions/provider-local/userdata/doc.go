// Package userdata is the machine user data that provider-local's OperatingSystemConfig
// produces and its simulated nodes boot from: a #cloud-config document whose write_files
// hold the bootstrap kubeconfig, the cluster CA, the kubelet configuration and the
// kubelet's Kubernetes version.
package userdata
