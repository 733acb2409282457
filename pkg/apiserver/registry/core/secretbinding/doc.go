// Package secretbinding is the REST storage of core.gardener.cloud SecretBindings (namespaced).
package secretbinding
