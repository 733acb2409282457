// Package providerstatus holds the status.providerStatus documents that provider-local's
// controllers write into the extension objects they reconcile.
package providerstatus
