// Package etcd builds the description of an embedded etcd component (`hortus etcd`).
package etcd
