// Package namespacedcloudprofile is the REST storage of core.gardener.cloud NamespacedCloudProfiles (namespaced) with the /status subresource.
package namespacedcloudprofile
