// Package referenceprotection holds the controllers that keep CloudProfiles,
// SecretBindings, CredentialsBindings, Quotas and ExposureClasses from being deleted while
// something still references them.
package referenceprotection
