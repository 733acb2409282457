// Package process runs component sets as supervised local child processes, each with its
// own working directory, log file and process group below a state directory.
package process
