// Package flow runs the named tasks of a shoot operation as a directed acyclic graph,
// each task as soon as its dependencies have succeeded.
package flow
