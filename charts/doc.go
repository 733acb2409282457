// Package charts embeds the Helm charts of the Hortus extensions, such as provider-local,
// and packages them for ControllerDeployments.
package charts
