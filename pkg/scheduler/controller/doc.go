// Package controller holds the ShootScheduler reconciler, which binds every unscheduled shoot
// to the seed that package decision chooses and reports the outcome as events.
package controller
