// Package extensioncrds embeds the CustomResourceDefinitions that a seed cluster needs for
// shoots: Gardener's extension kinds (extensions.gardener.cloud/v1alpha1), generated from
// Gardener's API types, and machine-controller-manager's machine kinds
// (machine.sapcloud.io/v1alpha1), copied from its module, both by hack/update-codegen.sh; and
// it installs them into a seed cluster.
package extensioncrds
