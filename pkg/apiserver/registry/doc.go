// Package registry holds what the REST storages of the Hortus API server share: the
// generic strategies that a resource's Rules and SpecStatus configure, the store and
// subresource wiring, the table helpers, and the seam for warnings. Each resource lives in
// registry/<group>/<resource>/ with its strategy.go, storage.go and table.go.
package registry
