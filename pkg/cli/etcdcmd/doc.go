// Package etcdcmd is the etcd command, shared by hortus and the slim hortus-etcd binary
// that control planes run.
package etcdcmd
