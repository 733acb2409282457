package framework

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/onsi/ginkgo/v2"
)

// diagnosticQueries are what Diagnose asks the garden (which is also the seed "local") for.
var diagnosticQueries = [][]string{
	{"get", "shoots", "-A", "-o", "wide"},
	{"get", "shoots", "-A", "-o", `jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}: {.status.lastOperation}{"\n"}  lastErrors: {.status.lastErrors}{"\n"}  conditions: {range .status.conditions[*]}{.type}={.status} ({.reason}: {.message}){"; "}{end}{"\n"}{end}`},
	{"get", "controllerinstallations", "-o", "wide"},
	{"get", "infrastructures,controlplanes,networks,dnsrecords,operatingsystemconfigs,workers,backupentries.extensions.gardener.cloud", "-A", "-o",
		`jsonpath={range .items[*]}{.kind} {.metadata.namespace}/{.metadata.name}: {.status.lastOperation.state} {.status.lastOperation.description} {.status.lastError.description}{"\n"}{end}`},
	{"get", "machinedeployments.machine.sapcloud.io,machinesets.machine.sapcloud.io,machines.machine.sapcloud.io", "-A", "-o", "wide"},
}

// diagnosticLogLines is how much of each component's log Diagnose quotes.
const diagnosticLogLines = 40

// Diagnose writes what is needed to understand a failed spec to w: the shoots' status,
// the extension objects and machines in the seed, and the end of every component log in
// the state directory. It is best effort: a query that fails is quoted with its error.
func (l *LocalLandscape) Diagnose(ctx context.Context, w io.Writer) {
	fmt.Fprintf(w, "\n===== diagnostics of the landscape in %s =====\n", l.StateDir)
	for _, q := range diagnosticQueries {
		out, err := l.Garden(ctx, q...)
		fmt.Fprintf(w, "$ kubectl %s\n%s\n", strings.Join(q[:2], " "), out)
		if err != nil {
			fmt.Fprintf(w, "error: %v\n", err)
		}
	}
	_ = filepath.WalkDir(l.StateDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			fmt.Fprintf(w, "error: %v\n", err)
			return nil //nolint:nilerr // best effort: go on with the other logs
		}
		if d.IsDir() || !strings.HasSuffix(path, ".log") {
			return nil
		}
		fmt.Fprintf(w, "----- the last %d lines of %s -----\n%s\n", diagnosticLogLines, path, tail(path, diagnosticLogLines))
		return nil
	})
	fmt.Fprintf(w, "===== end of diagnostics =====\n")
}

// DiagnoseOnFailure is an AfterEach body: when the spec failed, it writes Diagnose to
// GinkgoWriter, which Ginkgo prints with the failure.
func (l *LocalLandscape) DiagnoseOnFailure(ctx context.Context) {
	if l != nil && ginkgo.CurrentSpecReport().Failed() {
		l.Diagnose(ctx, ginkgo.GinkgoWriter)
	}
}

// tail returns the last n lines of the file at path, or why it could not be read.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
