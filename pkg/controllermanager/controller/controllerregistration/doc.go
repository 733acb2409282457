// Package controllerregistration holds the controller that decides, seed by seed, which
// ControllerRegistrations must be installed, and keeps one ControllerInstallation for each.
package controllerregistration
