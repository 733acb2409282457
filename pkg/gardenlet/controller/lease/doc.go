// Package lease holds the gardenlet's lease controller: the heartbeat of the gardenlet, a
// Lease in the garden that it renews while it reaches the seed cluster, and which the
// controller manager's seed lifecycle controller watches.
package lease
