// Package localcluster describes a local Kubernetes cluster — embedded etcd plus the real
// kube-apiserver run as processes — with its PKI kept in a directory.
package localcluster
