// Package componentconfig holds what Hortus' controller processes share in reading Gardener's
// component configurations and serving health and metrics.
package componentconfig
