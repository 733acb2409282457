// Package etcd runs a single-member embedded etcd and saves and restores its snapshots.
package etcd
