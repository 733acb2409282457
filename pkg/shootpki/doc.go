// Package shootpki keeps the PKI of one shoot's control plane (CAs, certificates, the
// service account key and the etcd encryption configuration) as Secrets in the shoot's
// namespace in the seed, so that a restarted gardenlet reuses it.
package shootpki
