// Package component describes a control-plane component as plain data (binary, args,
// env, files, ports, readiness probe, dependencies) that every executor can run.
package component
