// Package extensioncrds embeds the CustomResourceDefinitions of Gardener's extension kinds
// (extensions.gardener.cloud/v1alpha1), generated from Gardener's API types by
// hack/update-codegen.sh, and installs them into a seed cluster.
package extensioncrds
