// Package kubecontrollermanager builds the description of a real kube-controller-manager
// component.
package kubecontrollermanager
