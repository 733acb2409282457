// Package shoothibernation holds the shoot hibernation controller, which hibernates and
// wakes up Shoots at the times of their spec.hibernation.schedules.
package shoothibernation
