// Package version holds the build version of Hortus, stamped at link time.
package version
