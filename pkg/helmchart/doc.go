// Package helmchart renders and packages Helm charts with the Helm library, for the
// charts that ControllerDeployments carry.
package helmchart
