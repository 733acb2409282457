// Package pki creates, parses, verifies and stores the certificates, keys and kubeconfigs
// that a hosted control plane needs.
package pki
