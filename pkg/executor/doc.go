// Package executor defines how a set of component descriptions is run, independent of
// whether the components become local processes or Kubernetes workloads.
package executor
