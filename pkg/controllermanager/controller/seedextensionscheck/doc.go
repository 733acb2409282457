// Package seedextensionscheck holds the seed extensions check controller, which keeps a
// Seed's ExtensionsReady condition in line with the ControllerInstallations on the seed.
package seedextensionscheck
