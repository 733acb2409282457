// Package registry holds what the REST storages of the Hortus API server share: the base
// strategy, the status and table helpers, and the seam for warnings. Each resource lives
// in registry/<group>/<resource>/ with its strategy.go and storage.go.
package registry
