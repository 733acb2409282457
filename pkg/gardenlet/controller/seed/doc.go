// Package seed holds the gardenlet's seed controller, which registers the Seed of the
// gardenlet's configuration in the garden and reports its status and conditions.
package seed
