// Package testenv starts a real garden-like test cluster (embedded etcd plus the real
// kube-apiserver, run by the process executor, and on request the Hortus API server behind
// it) for integration tests and benchmarks.
package testenv
