// Package project is the REST storage of core.gardener.cloud Projects (cluster-scoped) with the /status subresource.
package project
