// Package controllerinstallation reports the state of the ControllerInstallations of the
// gardenlet's seed: whether their registration is valid and what was installed.
package controllerinstallation
