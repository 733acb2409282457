// Package app runs provider-local: one controller-runtime manager on a seed with the
// Infrastructure, ControlPlane, Network, DNSRecord, OperatingSystemConfig, Worker,
// BackupBucket and BackupEntry controllers of extension type local.
package app
