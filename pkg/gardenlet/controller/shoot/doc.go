// Package shoot holds the gardenlet's shoot controller. For now it only observes the Shoots
// scheduled onto the seed and says so in an Event; the flows that deploy their control
// planes replace it.
package shoot
