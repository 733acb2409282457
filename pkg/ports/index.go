package ports

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// IndexEnv names the environment variable that overrides IndexDir.
const IndexEnv = "HORTUS_PORTS_INDEX"

// indexLock is the file in the index directory whose flock serializes new allocations.
const indexLock = ".lock"

// IndexDir is the machine-wide index of port state files: $HORTUS_PORTS_INDEX, or else
// hortus/ports below the user's cache directory (~/.cache/hortus/ports), or else
// hortus-ports-<uid> in the temporary directory. It holds one small file per state file
// that reserved ports, naming it; an entry whose state file is gone is removed by the next
// allocation.
func IndexDir() string {
	if dir := os.Getenv(IndexEnv); dir != "" {
		return dir
	}
	if cache, err := os.UserCacheDir(); err == nil {
		return filepath.Join(cache, "hortus", "ports")
	}
	return filepath.Join(os.TempDir(), "hortus-ports-"+strconv.Itoa(os.Getuid()))
}

// lockIndex takes the index's lock, creating the directory when needed.
func (a *Allocator) lockIndex() (func() error, error) {
	if err := os.MkdirAll(a.index, 0o700); err != nil {
		return nil, fmt.Errorf("port index: %w (set %s to a writable directory)", err, IndexEnv)
	}
	return lock(filepath.Join(a.index, indexLock))
}

// entry is the name of the index entry of the state file at path.
func entry(path string) string {
	sum := sha256.Sum256([]byte(path))
	return hex.EncodeToString(sum[:8])
}

// absPath is the Allocator's state file as an absolute path, as the index records it.
func (a *Allocator) absPath() (string, error) {
	p, err := filepath.Abs(a.path)
	if err != nil {
		return "", fmt.Errorf("port index: %w", err)
	}
	return p, nil
}

// register records the Allocator's state file in the index. The index's lock must be
// held.
func (a *Allocator) register() error {
	self, err := a.absPath()
	if err != nil {
		return err
	}
	name := filepath.Join(a.index, entry(self))
	if b, err := os.ReadFile(name); err == nil && string(b) == self {
		return nil
	}
	if err := os.WriteFile(name, []byte(self), 0o600); err != nil {
		return fmt.Errorf("port index: %w", err)
	}
	return nil
}

// ensureRegistered records the Allocator's state file in the index unless it is there.
func (a *Allocator) ensureRegistered() error {
	self, err := a.absPath()
	if err != nil {
		return err
	}
	if b, err := os.ReadFile(filepath.Join(a.index, entry(self))); err == nil && string(b) == self {
		return nil
	}
	unlock, err := a.lockIndex()
	if err != nil {
		return err
	}
	defer func() { _ = unlock() }()
	return a.register()
}

// reservedElsewhere returns the ports that the other state files of the index reserve,
// and removes the entries whose state file is gone. The index's lock must be held.
func (a *Allocator) reservedElsewhere() (map[int]bool, error) {
	self, err := a.absPath()
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(a.index)
	if err != nil {
		return nil, fmt.Errorf("port index: %w", err)
	}
	reserved := map[int]bool{}
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		name := filepath.Join(a.index, e.Name())
		b, err := os.ReadFile(name)
		if err != nil {
			continue // removed meanwhile
		}
		other := string(b)
		if other == self {
			continue
		}
		// Written by atomic renames, so a read without the other file's lock sees a whole
		// state; one that is being written at this moment holds ports that were taken
		// under the index's lock, which is held here.
		// A state file that cannot be read or parsed reserves nothing: another
		// landscape's broken file must not stop every allocation on the machine.
		data, err := os.ReadFile(other)
		if errors.Is(err, fs.ErrNotExist) {
			_ = os.Remove(name) // a state directory that was removed
			continue
		}
		var s state
		if err != nil || json.Unmarshal(data, &s) != nil {
			continue
		}
		for _, byName := range s.Owners {
			for _, p := range byName {
				reserved[p] = true
			}
		}
	}
	return reserved, nil
}

// Forget removes the Allocator's state file from the index, for a state directory that
// is being removed: its ports become free for other state files at once, and no entry is
// left behind. A later allocation on the same state file records it again; a state file
// without an entry is no error.
func (a *Allocator) Forget() error {
	self, err := a.absPath()
	if err != nil {
		return err
	}
	unlock, err := a.lockIndex()
	if err != nil {
		return err
	}
	defer func() { _ = unlock() }()
	if err := os.Remove(filepath.Join(a.index, entry(self))); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("port index: %w", err)
	}
	return nil
}
