// Package projectmutator is the ProjectMutator admission plugin: a new Project records who
// created it, gets that user as its owner unless it names one, and its owner is always a
// member.
package projectmutator
