// Package shootquota holds the shoot quota controller, which deletes Shoots once the
// cluster lifetime of the Quotas of their binding has passed.
package shootquota
