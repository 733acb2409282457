// Package controllerregistration is the REST storage of core.gardener.cloud ControllerRegistrations (cluster-scoped).
package controllerregistration
