// Package seed is the REST storage of core.gardener.cloud Seeds (cluster-scoped) with the /status subresource.
package seed
