// Package shootmaintenance holds the shoot maintenance controller, which updates the
// Kubernetes and machine image versions of Shoots in their maintenance time windows.
package shootmaintenance
