// Package framework holds what the e2e suites share: starting a local landscape, running
// the built CLIs, looking at processes and ports, and checking rolling updates of machines.
package framework
