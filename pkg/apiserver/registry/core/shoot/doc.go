// Package shoot is the REST storage of core.gardener.cloud Shoots, with the /status and
// /binding subresources.
package shoot
