// Package apiserver is the Hortus API server: an aggregated API server behind the garden's
// kube-apiserver that serves Gardener's core.gardener.cloud, security.gardener.cloud and
// seedmanagement.gardener.cloud APIs from its own etcd prefix.
//
// It follows the chain of k8s.io/sample-apiserver: NewOptions, then Options.Complete,
// Options.Validate and Options.Config, then Config.Complete and CompletedConfig.New, and
// Server.Run. Authentication and authorization are delegated to the garden kube-apiserver
// (front-proxy request headers, TokenReview, SubjectAccessReview).
package apiserver
