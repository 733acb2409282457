// Package backupentry is provider-local's BackupEntry controller: an entry is a directory
// inside its bucket's directory, where the gardenlet keeps the shoot's etcd snapshots.
package backupentry
