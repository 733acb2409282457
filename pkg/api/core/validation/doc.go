// Package validation checks Gardener core.gardener.cloud, security.gardener.cloud and
// seedmanagement.gardener.cloud (ManagedSeed) objects, in their internal form, before the
// Hortus API server stores them.
package validation
