// Package gardenlet runs the seed part of Gardener's gardenlet: it registers a Seed in the
// garden, reports its status and heartbeat, and watches the Shoots scheduled onto it,
// configured by Gardener's GardenletConfiguration file.
package gardenlet
