// Package shootaccess reaches a shoot's kube-apiserver from the shoot's seed namespace,
// through the kubeconfig that the gardenlet keeps in the Secret gardener.
package shootaccess
