// Package controllerinstallation is the REST storage of core.gardener.cloud ControllerInstallations (cluster-scoped) with the /status subresource.
package controllerinstallation
