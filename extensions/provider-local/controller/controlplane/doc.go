// Package controlplane is provider-local's ControlPlane controller: it deploys nothing
// (no cloud-controller-manager exists for simulated nodes) and records whether the shoot's
// kube-apiserver answers through the Secret gardener.
package controlplane
