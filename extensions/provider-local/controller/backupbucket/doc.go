// Package backupbucket is provider-local's BackupBucket controller: a bucket is a
// directory below the backup directory of the seed's host.
package backupbucket
