// Package condition merges the conditions that the gardenlet reports into a status, keeping
// the transition time of a condition whose status stays the same.
package condition
