// Package managedseed is the REST storage of seedmanagement.gardener.cloud ManagedSeeds (namespaced) with the /status subresource.
package managedseed
