// Package backupentry is the provider-neutral contract between a backup extension and the
// gardenlet about a shoot's etcd backups: how a BackupEntry is named after its shoot, and
// the Secret in which the extension tells the shoot's seed namespace where the backups go.
package backupentry
