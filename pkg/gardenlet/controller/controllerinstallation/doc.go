// Package controllerinstallation installs the ControllerInstallations of the gardenlet's
// seed: it renders their ControllerDeployment's Helm chart, applies it to the seed, runs
// Hortus-image Deployments as local processes, and reports the installation's conditions.
package controllerinstallation
