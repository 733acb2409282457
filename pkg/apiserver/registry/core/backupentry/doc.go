// Package backupentry is the REST storage of core.gardener.cloud BackupEntries (namespaced) with the /status subresource.
package backupentry
