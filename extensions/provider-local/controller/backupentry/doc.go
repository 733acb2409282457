// Package backupentry is provider-local's BackupEntry controller: an entry is a directory
// inside its bucket's directory, where the gardenlet keeps the shoot's etcd snapshots. The
// controller publishes the directory in the shoot's seed namespace as Secret etcd-backup
// (see extensions/pkg/backupentry).
package backupentry
