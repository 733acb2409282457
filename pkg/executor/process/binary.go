package process

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// resolveBinary finds the executable for name: an absolute path as it is, a path with a
// slash relative to the current directory, a bare name in the binary directories and then
// in $PATH, and a versioned name "<name>@<version>" (such as kube-apiserver@v1.36.3, the
// analogue of an image tag) as <dir>/<version>/<name> in the binary directories only: a
// version that is not built is an error, never another version.
func (e *Executor) resolveBinary(name string) (string, error) {
	if base, version, ok := strings.Cut(name, "@"); ok && !strings.Contains(name, "/") {
		for _, dir := range e.binDirs {
			path := filepath.Join(dir, version, base)
			if isExecutable(path) {
				return path, nil
			}
		}
		return "", fmt.Errorf("binary %s %s not found as <dir>/%s/%s in %s; run \"make kube KUBE_VERSIONS=%s\" to build that version",
			base, version, version, base, strings.Join(e.binDirs, ", "), version)
	}
	if strings.Contains(name, "/") {
		path, err := filepath.Abs(name)
		if err != nil {
			return "", fmt.Errorf("binary %s: %w", name, err)
		}
		if !isExecutable(path) {
			return "", fmt.Errorf("binary %s is missing or not executable; %s", path, buildHint)
		}
		return path, nil
	}
	for _, dir := range e.binDirs {
		path := filepath.Join(dir, name)
		if isExecutable(path) {
			return path, nil
		}
	}
	if path, err := exec.LookPath(name); err == nil {
		return filepath.Abs(path)
	}
	searched := append([]string{}, e.binDirs...)
	searched = append(searched, "$PATH")
	return "", fmt.Errorf("binary %s not found in %s; %s", name, strings.Join(searched, ", "), buildHint)
}

const buildHint = `run "make build" to build hortus, or "make kube" to build kube-apiserver, kube-controller-manager, kube-scheduler and kubectl`

func isExecutable(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular() && info.Mode().Perm()&0o111 != 0
}
