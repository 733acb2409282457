// Package framework holds what the e2e suites share: running the built CLIs, and looking at
// processes and ports.
package framework
