// Package shoot is the gardenlet's shoot controller: it runs the flows that create,
// reconcile, hibernate, wake and delete the control planes of the seed's shoots.
package shoot
