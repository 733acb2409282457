// Package shootstate is the REST storage of core.gardener.cloud ShootStates (namespaced).
package shootstate
