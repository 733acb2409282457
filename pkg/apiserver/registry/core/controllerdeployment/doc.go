// Package controllerdeployment is the REST storage of core.gardener.cloud ControllerDeployments (cluster-scoped).
package controllerdeployment
