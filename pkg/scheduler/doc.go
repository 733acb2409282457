// Package scheduler runs Hortus's garden scheduler, which assigns unscheduled shoots to seeds:
// it loads the scheduler's configuration and runs the ShootScheduler of package controller,
// which package decision advises, in a controller-runtime manager.
package scheduler
