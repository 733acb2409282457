// Package backupentry holds the gardenlet's backupentry controller, which turns the core
// BackupEntries of its seed (one per shoot, for its etcd backups) into
// extensions.gardener.cloud BackupEntries in the seed cluster and reports their outcome in
// the core objects' status.
package backupentry
