// Package etcdbackup keeps full snapshots of a shoot's etcd in a local store directory,
// takes them on a schedule and on request from a sidecar server, and restores a data dir
// from them.
package etcdbackup
