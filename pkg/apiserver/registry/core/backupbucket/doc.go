// Package backupbucket is the REST storage of core.gardener.cloud BackupBuckets (cluster-scoped) with the /status subresource.
package backupbucket
