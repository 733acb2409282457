// Package hortuscontroller builds the description of a Hortus controller process (hortus
// controller-manager, scheduler or gardenlet): the hortus binary with a subcommand, a
// component-configuration file and the kubeconfigs that file names.
package hortuscontroller
