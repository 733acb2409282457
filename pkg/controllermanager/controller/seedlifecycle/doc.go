// Package seedlifecycle holds the seed lifecycle controller, which marks a Seed's
// GardenletReady condition, and then the conditions of its Shoots, Unknown when the
// seed's gardenlet stops renewing its Lease in the garden.
package seedlifecycle
