package process

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// resolveBinary finds the executable for name: an absolute path as it is, a path with a
// slash relative to the current directory, and a bare name in the binary directories and
// then in $PATH.
func (e *Executor) resolveBinary(name string) (string, error) {
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
