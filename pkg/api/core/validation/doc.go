// Package validation checks Gardener core.gardener.cloud and security.gardener.cloud objects, in their internal
// form, before the Hortus API server stores them.
package validation
