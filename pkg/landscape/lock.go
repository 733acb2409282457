package landscape

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrAlreadyRunning is returned when a supervisor already runs on the state directory.
var ErrAlreadyRunning = errors.New("the landscape is already running")

// lockFile takes the supervisor lock without waiting. It returns ErrAlreadyRunning when
// another process holds it. The lock goes with the returned file, also when the process
// dies, so a stale lock cannot block the next start.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrAlreadyRunning
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return f, nil
}

// running tells whether a supervisor holds the lock of the state directory.
func running(l Layout) (bool, error) {
	if _, err := os.Stat(l.Dir); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	f, err := lockFile(l.Lock())
	if errors.Is(err, ErrAlreadyRunning) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return false, f.Close()
}
