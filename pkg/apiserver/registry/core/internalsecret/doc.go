// Package internalsecret is the REST storage of core.gardener.cloud InternalSecrets (namespaced).
package internalsecret
