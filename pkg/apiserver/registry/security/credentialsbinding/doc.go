// Package credentialsbinding is the REST storage of security.gardener.cloud CredentialsBindings (namespaced).
package credentialsbinding
