// Package shootquotavalidator is the ShootQuotaValidator admission plugin: a Shoot may not
// make the Shoots that share a Quota (through their SecretBindings or CredentialsBindings)
// exceed its limits.
package shootquotavalidator
