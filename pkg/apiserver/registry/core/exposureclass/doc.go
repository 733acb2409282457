// Package exposureclass is the REST storage of core.gardener.cloud ExposureClasses (cluster-scoped).
package exposureclass
