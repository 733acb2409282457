// Package ports hands out free loopback TCP ports and remembers them per owner in a state
// file, so that a component keeps its ports across restarts and processes never collide.
package ports
