// Package decision chooses the seed for a shoot from the seeds of a garden: a pure function
// of the shoot, the seeds and the scheduler's inputs, with a reason for every seed it rejects.
package decision
