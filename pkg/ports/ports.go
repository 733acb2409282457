package ports

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// maxAttempts bounds how often Allocate tries a port that is not reserved yet.
const maxAttempts = 200

// Allocator reserves loopback TCP ports for named owners, for example "<set>/<component>".
// Its state lives in a JSON file; an flock on the sibling file "<state file>.lock" makes
// every read-modify-write exclusive, so that any number of Allocators, in one process or
// in many, can share the file without handing out a port twice.
//
// Allocators of different state files (two landscapes, a landscape and a test
// environment) do not hand out the same port either: each state file is recorded in a
// machine-wide index (see IndexDir), and a new port is one that no recorded state file
// reserves. Without it, a port reserved by one landscape for a component that is not
// listening (a hibernated shoot, a landscape that is down) could be handed to another,
// and the first component could not listen on it again.
type Allocator struct {
	path  string
	index string
	// low and high bound the ports handed out; portRange() when both are 0.
	low, high int
}

// Reservation is one reserved port.
type Reservation struct {
	Owner string `json:"owner"`
	Name  string `json:"name"`
	Port  int    `json:"port"`
}

// state is the content of the state file: owner → port name → port.
type state struct {
	Owners map[string]map[string]int `json:"owners"`
}

// New returns an Allocator that keeps its reservations in stateFile, recorded in the index
// IndexDir(). The file and its directory are created on first use.
func New(stateFile string) *Allocator {
	return NewWithIndex(stateFile, "")
}

// NewWithIndex returns an Allocator like New, recorded in the index indexDir, or in
// IndexDir() when indexDir is empty. A process that runs with another environment than
// its landscape's (the gardenlet, started with only its own variables) is given the
// landscape's index this way.
func NewWithIndex(stateFile, indexDir string) *Allocator {
	return &Allocator{path: stateFile, index: cmp.Or(indexDir, IndexDir())}
}

// Allocate returns a port for each name. The same owner and name get the same port on
// every call, also from another Allocator on the same file; a new port is a random one
// below the kernel's ephemeral range (see portRange) that no owner has reserved and that
// nothing listens on.
func (a *Allocator) Allocate(owner string, names ...string) (map[string]int, error) {
	if owner == "" {
		return nil, errors.New("allocate ports: owner is empty")
	}
	// The usual call asks for ports the owner has: they need only the state file's lock,
	// and the index's only when the state file is not recorded in it (a state directory
	// from before the index, or one that was forgotten).
	if known, err := a.reserved(owner, names); err != nil || known != nil {
		if err == nil {
			err = a.ensureRegistered()
		}
		return known, err
	}
	// New ports: the index's lock is taken first and held until the state is written, so
	// that no Allocator of another state file takes the same ports at the same time. Every
	// allocation of new ports takes the two locks in this order.
	unlockIndex, err := a.lockIndex()
	if err != nil {
		return nil, err
	}
	defer func() { _ = unlockIndex() }()
	result := make(map[string]int, len(names))
	err = a.update(func(s *state) (bool, error) {
		byName := s.Owners[owner]
		var missing []string
		for _, name := range names {
			if p, ok := byName[name]; ok {
				result[name] = p
			} else {
				missing = append(missing, name)
			}
		}
		if len(missing) == 0 {
			return false, nil
		}
		reserved, err := a.reservedElsewhere()
		if err != nil {
			return false, err
		}
		for _, byName := range s.Owners {
			for _, p := range byName {
				reserved[p] = true
			}
		}
		if byName == nil {
			byName = map[string]int{}
			s.Owners[owner] = byName
		}
		low, high := a.portRange()
		for _, name := range missing {
			p, err := freePort(low, high, reserved)
			if err != nil {
				return false, fmt.Errorf("allocate port %s for %s: %w", name, owner, err)
			}
			byName[name] = p
			reserved[p] = true
			result[name] = p
		}
		return true, a.register()
	})
	if err != nil {
		return nil, err
	}
	return result, nil
}

// reserved returns the ports of owner's names when it has them all, and nil otherwise.
func (a *Allocator) reserved(owner string, names []string) (map[string]int, error) {
	var result map[string]int
	err := a.update(func(s *state) (bool, error) {
		byName := s.Owners[owner]
		for _, name := range names {
			if _, ok := byName[name]; !ok {
				return false, nil
			}
		}
		result = make(map[string]int, len(names))
		for _, name := range names {
			result[name] = byName[name]
		}
		return false, nil
	})
	return result, err
}

// Release frees all ports of owner. Releasing an unknown owner is no error.
func (a *Allocator) Release(owner string) error {
	return a.update(func(s *state) (bool, error) {
		if _, ok := s.Owners[owner]; !ok {
			return false, nil
		}
		delete(s.Owners, owner)
		return true, nil
	})
}

// Owners returns the owners that hold ports, sorted.
func (a *Allocator) Owners() ([]string, error) {
	var owners []string
	err := a.update(func(s *state) (bool, error) {
		for o := range s.Owners {
			owners = append(owners, o)
		}
		return false, nil
	})
	sort.Strings(owners)
	return owners, err
}

// List returns all reservations, sorted by owner and name.
func (a *Allocator) List() ([]Reservation, error) {
	var list []Reservation
	err := a.update(func(s *state) (bool, error) {
		for o, byName := range s.Owners {
			for n, p := range byName {
				list = append(list, Reservation{Owner: o, Name: n, Port: p})
			}
		}
		return false, nil
	})
	sort.Slice(list, func(i, j int) bool {
		if list[i].Owner != list[j].Owner {
			return list[i].Owner < list[j].Owner
		}
		return list[i].Name < list[j].Name
	})
	return list, err
}

// update runs fn on the state while it holds the lock, and writes the state back when fn
// reports a change.
func (a *Allocator) update(fn func(*state) (bool, error)) (err error) {
	if err := os.MkdirAll(filepath.Dir(a.path), 0o700); err != nil {
		return fmt.Errorf("port state: %w", err)
	}
	unlock, err := lock(a.path + ".lock")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, unlock()) }()

	s := &state{Owners: map[string]map[string]int{}}
	b, err := os.ReadFile(a.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("read port state: %w", err)
	case len(b) > 0:
		if err := json.Unmarshal(b, s); err != nil {
			return fmt.Errorf("read port state %s: %w", a.path, err)
		}
		if s.Owners == nil {
			s.Owners = map[string]map[string]int{}
		}
	}
	changed, err := fn(s)
	if err != nil || !changed {
		return err
	}
	return writeAtomic(a.path, s)
}

// lock takes an exclusive flock on path and returns the function that releases it.
func lock(path string) (func() error, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock port state: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock port state %s: %w", path, err)
	}
	// Closing the file releases the lock.
	return f.Close, nil
}

func writeAtomic(path string, s *state) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("write port state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write port state: %w", err)
	}
	_, err = tmp.Write(append(b, '\n'))
	err = errors.Join(err, tmp.Sync(), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write port state %s: %w", path, err)
	}
	return nil
}

// freePort asks the kernel for a free loopback port in low..high that is not in reserved.
func freePort(low, high int, reserved map[int]bool) (int, error) {
	for range maxAttempts {
		p := low + rand.IntN(high-low+1)
		if reserved[p] {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			continue // in use
		}
		if err := l.Close(); err != nil {
			return 0, err
		}
		return p, nil
	}
	return 0, fmt.Errorf("no free port in %d–%d after %d attempts", low, high, maxAttempts)
}

// Ports are chosen below the kernel's ephemeral range (net.ipv4.ip_local_port_range),
// from which outgoing connections take their local ports: a reserved port that is not
// listening for a while (between 'hortus down' and 'hortus up', or while a component
// restarts) could otherwise be taken by any connection on the machine, and the component
// could not listen on it again.
const (
	// rangeLow is the lowest port handed out.
	rangeLow = 20000
	// defaultEphemeralLow is the kernel's default start of the ephemeral range.
	defaultEphemeralLow = 32768
	// minRangeSize is the smallest range used; below it the range ignores the kernel's.
	minRangeSize = 4096
)

func (a *Allocator) portRange() (low, high int) {
	if a.low == 0 && a.high == 0 {
		return portRange()
	}
	return a.low, a.high
}

// portRange is the range ports are chosen from: rangeLow up to just below the ephemeral
// range, or rangeLow to rangeLow+minRangeSize-1 when the ephemeral range starts too low
// to leave room.
func portRange() (low, high int) {
	ephemeral := defaultEphemeralLow
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if v, err := strconv.Atoi(f[0]); err == nil {
				ephemeral = v
			}
		}
	}
	if ephemeral-rangeLow < minRangeSize {
		return rangeLow, rangeLow + minRangeSize - 1
	}
	return rangeLow, ephemeral - 1
}
