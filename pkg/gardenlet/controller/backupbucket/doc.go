// Package backupbucket holds the gardenlet's backupbucket controller, which turns the core
// BackupBuckets of its seed into extensions.gardener.cloud BackupBuckets in the seed
// cluster and reports their outcome in the core objects' status.
package backupbucket
