package framework

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// BinDir returns where the built binaries (hortus, kubectl, the Kubernetes binaries) are:
// $HORTUS_BIN_DIR, or else bin/ of the checkout at repoRoot.
func BinDir(repoRoot string) string {
	if dir := os.Getenv("HORTUS_BIN_DIR"); dir != "" {
		return dir
	}
	return filepath.Join(repoRoot, "bin")
}

// CLI runs the built hortus and kubectl.
type CLI struct {
	// BinDir holds the binaries; see BinDir.
	BinDir string
	// Dir is the working directory of the commands; the test's own when empty.
	Dir string
	// Env is added to the environment that the commands inherit.
	Env []string
	// Log, when set, gets each hortus command line and its output.
	Log io.Writer
}

// Hortus runs hortus with args and returns its output, stdout and stderr interleaved, and
// the error of the run.
func (c CLI) Hortus(ctx context.Context, args ...string) (string, error) {
	cmd := c.command(ctx, "hortus", args)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if c.Log != nil {
		fmt.Fprintf(c.Log, "$ hortus %s\n%s", strings.Join(args, " "), out.String())
	}
	return out.String(), err
}

// MustHortus runs hortus like Hortus, and fails tb, naming the command and quoting its
// output, when hortus fails.
func (c CLI) MustHortus(ctx context.Context, tb testing.TB, args ...string) {
	tb.Helper()
	if out, err := c.Hortus(ctx, args...); err != nil {
		tb.Fatalf("hortus %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// Kubectl runs kubectl with args against the cluster of kubeconfig and returns its stdout.
// Its error quotes the command and its stderr.
func (c CLI) Kubectl(ctx context.Context, kubeconfig string, args ...string) (string, error) {
	cmd := c.command(ctx, "kubectl", append([]string{"--kubeconfig", kubeconfig}, args...))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), err
}

func (c CLI) command(ctx context.Context, name string, args []string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.BinDir, name), args...)
	cmd.Dir = c.Dir
	if len(c.Env) > 0 {
		cmd.Env = append(os.Environ(), c.Env...)
	}
	return cmd
}
