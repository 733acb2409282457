// Package cloudprofile is the REST storage of core.gardener.cloud CloudProfiles (cluster-scoped) with the /status subresource.
package cloudprofile
