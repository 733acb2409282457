package landscape

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"

	"github.com/Masterminds/semver/v3"
)

// UserError is an error that a user can fix; Hint says how.
type UserError struct {
	Err  error
	Hint string
}

func (e *UserError) Error() string { return e.Err.Error() }
func (e *UserError) Unwrap() error { return e.Err }

// Hint returns what a user can do about err, or "".
func Hint(err error) string {
	if ue := (*UserError)(nil); errors.As(err, &ue) {
		return ue.Hint
	}
	if ce := (*CorruptError)(nil); errors.As(err, &ce) {
		return "Remove the landscape's state with 'hortus down --purge' and start again; this deletes its data."
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, " is busy, another process holds it"):
		return "Stop the program that holds the port, or start a separate landscape with --state-dir <other dir>, which allocates its own ports."
	case strings.Contains(msg, "no space left on device"):
		return "Free disk space, then run 'hortus up' again."
	case strings.Contains(msg, "corrupt") || strings.Contains(msg, "cannot parse") || strings.Contains(msg, "invalid character"):
		return "The state directory looks damaged. 'hortus down --purge' removes it (and the landscape's data) so that 'hortus up' starts afresh."
	}
	return ""
}

// preflight checks what `hortus up` needs before it starts anything: free disk space,
// the binaries and a readable state directory.
func preflight(o Options) error {
	if err := checkDisk(o.StateDir, o.MinFreeDisk); err != nil {
		return err
	}
	if _, err := findBinary(o.BinDir, "kube-apiserver"); err != nil {
		return err
	}
	for _, f := range []string{o.layout().Progress(), o.layout().Settings()} {
		if b, err := os.ReadFile(f); err == nil && len(b) > 0 && b[0] != '{' {
			return &CorruptError{Path: f, Err: errors.New("not a JSON object")}
		}
	}
	return nil
}

// checkDisk fails when the file system of dir (or of its nearest existing parent) has less
// than minFree bytes available.
func checkDisk(dir string, minFree int64) error {
	for {
		if _, err := os.Stat(dir); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return fmt.Errorf("checking free disk space of %s: %w", dir, err)
	}
	free := int64(st.Bavail) * st.Bsize //nolint:gosec // block counts fit int64
	if free < minFree {
		return &UserError{
			Err: fmt.Errorf("only %s free on the file system of %s; the landscape needs at least %s for etcd data and logs",
				humanBytes(free), dir, humanBytes(minFree)),
			Hint: "Free disk space, or put the landscape on another file system with --state-dir.",
		}
	}
	return nil
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// findBinary finds name in binDir, else on $PATH.
func findBinary(binDir, name string) (string, error) {
	p := filepath.Join(binDir, name)
	if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
		return p, nil
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", &UserError{
		Err:  fmt.Errorf("%s not found in %s or on $PATH", name, binDir),
		Hint: "Build it with 'make kube' in the Hortus repository (the first build takes about 10 minutes), or pass --bin-dir with the directory that holds it. 'make up' builds what is missing.",
	}
}

var kubeVersionDir = regexp.MustCompile(`^v(\d+\.\d+\.\d+)$`)

// KubeVersions returns the Kubernetes versions built into binDir (binDir/kube/v<version>/
// with a kube-apiserver), newest first. Without such directories it asks the
// kube-apiserver in binDir for its version.
func KubeVersions(binDir string) ([]string, error) {
	var out []string
	entries, err := os.ReadDir(filepath.Join(binDir, "kube"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, e := range entries {
		m := kubeVersionDir.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(binDir, "kube", e.Name(), "kube-apiserver")); err == nil {
			out = append(out, m[1])
		}
	}
	if len(out) == 0 {
		bin, err := findBinary(binDir, "kube-apiserver")
		if err != nil {
			return nil, err
		}
		b, err := exec.Command(bin, "--version").Output()
		if err != nil {
			return nil, fmt.Errorf("asking %s for its version: %w", bin, err)
		}
		// "Kubernetes v1.36.3"
		f := strings.Fields(string(b))
		if len(f) == 0 {
			return nil, fmt.Errorf("%s --version printed nothing", bin)
		}
		out = append(out, strings.TrimPrefix(f[len(f)-1], "v"))
	}
	sort.Slice(out, func(i, j int) bool {
		a, errA := semver.NewVersion(out[i])
		b, errB := semver.NewVersion(out[j])
		if errA != nil || errB != nil {
			return out[i] > out[j]
		}
		return a.GreaterThan(b)
	})
	return out, nil
}
