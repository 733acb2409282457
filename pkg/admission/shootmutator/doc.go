// Package shootmutator is the ShootMutator admission plugin: it fills in what a Shoot
// leaves open from its cloud profile (Kubernetes version, machine images), its seed or
// Gardener's defaults (networks) and its name (maintenance time window).
package shootmutator
