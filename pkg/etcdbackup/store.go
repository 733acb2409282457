package etcdbackup

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/utils/clock"

	"github.com/hortus-dev/hortus/pkg/etcd"
)

const (
	// fullPrefix and snapshotExt frame the names of full snapshots:
	// full-<UTC time with nanoseconds>.db, e.g. full-20261129T024105.123456789Z.db. The
	// time has a fixed width, so names sort like the times they hold.
	fullPrefix  = "full-"
	snapshotExt = ".db"
	timeLayout  = "20060102T150405.000000000Z"
	// exampleName shows the name format in error messages.
	exampleName = "full-20261129T024105.123456789Z.db"
	// storeDirMode keeps snapshots, which hold every secret of the cluster, private.
	storeDirMode = 0o700
)

var snapshotNameRE = regexp.MustCompile(`^` + fullPrefix + `(\d{8}T\d{6}\.\d{9}Z)` + regexp.QuoteMeta(snapshotExt) + `$`)

// Snapshot is one full snapshot in a Store.
type Snapshot struct {
	// Name is the file name in the store, e.g. full-20261129T024105.123456789Z.db.
	Name string `json:"name"`
	// Time is when the snapshot was started, in UTC. It is part of Name.
	Time time.Time `json:"time"`
	// SizeBytes is the size of the snapshot file.
	SizeBytes int64 `json:"sizeBytes"`
}

// Store is a directory of full etcd snapshots: the local provider's object store, such as
// the directory of one BackupEntry. Files other than snapshots, such as the temporary
// files of a snapshot being written, are ignored.
type Store struct {
	// Dir is the directory. Save creates it with mode 0700.
	Dir string
	// Clock names new snapshots; the real clock when nil.
	Clock clock.PassiveClock
}

func (s Store) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

func (s Store) checkDir() error {
	if s.Dir == "" {
		return errors.New("the snapshot store has no directory: set the store dir (--store-dir)")
	}
	return nil
}

// Save streams a full snapshot of the one etcd endpoint in cfg into the store under a new
// name and returns it. The file appears complete or not at all. The name's time is the
// current time, or just after the newest snapshot's if the clock went backwards, so that
// the newest snapshot always sorts last. Concurrent Saves into one store are not supported:
// callers serialize them, as the sidecar server does.
func (s Store) Save(ctx context.Context, cfg clientv3.Config) (Snapshot, error) {
	if err := s.checkDir(); err != nil {
		return Snapshot{}, err
	}
	if err := os.MkdirAll(s.Dir, storeDirMode); err != nil {
		return Snapshot{}, fmt.Errorf("creating the snapshot store %q: %w", s.Dir, err)
	}
	t := s.now().UTC()
	latest, ok, err := s.Latest()
	if err != nil {
		return Snapshot{}, err
	}
	if ok && !t.After(latest.Time) {
		t = latest.Time.Add(time.Nanosecond)
	}
	for {
		_, err := os.Lstat(filepath.Join(s.Dir, snapshotName(t)))
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return Snapshot{}, fmt.Errorf("checking the snapshot store %q: %w", s.Dir, err)
		}
		t = t.Add(time.Nanosecond)
	}
	name := snapshotName(t)
	path := filepath.Join(s.Dir, name)
	if err := etcd.SaveSnapshot(ctx, cfg, path); err != nil {
		return Snapshot{}, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return Snapshot{}, fmt.Errorf("reading the saved snapshot: %w", err)
	}
	return Snapshot{Name: name, Time: t, SizeBytes: fi.Size()}, nil
}

func snapshotName(t time.Time) string {
	return fullPrefix + t.UTC().Format(timeLayout) + snapshotExt
}

// parseName returns the time in a snapshot name, or false for any other file name.
func parseName(name string) (time.Time, bool) {
	m := snapshotNameRE.FindStringSubmatch(name)
	if m == nil {
		return time.Time{}, false
	}
	t, err := time.Parse(timeLayout, m[1])
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// List returns the snapshots in the store, oldest first. A missing directory holds none.
func (s Store) List() ([]Snapshot, error) {
	if err := s.checkDir(); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []Snapshot{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing the snapshot store %q: %w", s.Dir, err)
	}
	snapshots := []Snapshot{}
	for _, e := range entries {
		t, ok := parseName(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // pruned meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("reading snapshot %q in %q: %w", e.Name(), s.Dir, err)
		}
		snapshots = append(snapshots, Snapshot{Name: e.Name(), Time: t, SizeBytes: fi.Size()})
	}
	slices.SortFunc(snapshots, func(a, b Snapshot) int {
		return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.Name, b.Name))
	})
	return snapshots, nil
}

// Latest returns the newest snapshot, and false when the store holds none.
func (s Store) Latest() (Snapshot, bool, error) {
	snapshots, err := s.List()
	if err != nil || len(snapshots) == 0 {
		return Snapshot{}, false, err
	}
	return snapshots[len(snapshots)-1], true, nil
}

// Get returns the snapshot with the given name. The error names the snapshots that exist
// when there is no such snapshot, and wraps ErrSnapshotNotFound.
func (s Store) Get(name string) (Snapshot, error) {
	if _, err := s.Path(name); err != nil {
		return Snapshot{}, err
	}
	snapshots, err := s.List()
	if err != nil {
		return Snapshot{}, err
	}
	for _, snap := range snapshots {
		if snap.Name == name {
			return snap, nil
		}
	}
	return Snapshot{}, fmt.Errorf("%w: %q is not in %s, which holds %s", ErrSnapshotNotFound, name, s.Dir, describe(snapshots))
}

// describe lists snapshot names for an error message: the newest ones when there are many.
func describe(snapshots []Snapshot) string {
	const most = 10
	switch len(snapshots) {
	case 0:
		return "no snapshots"
	case 1:
		return "only " + snapshots[0].Name
	}
	var names []string
	for i := len(snapshots) - 1; i >= 0 && len(names) < most; i-- {
		names = append(names, snapshots[i].Name)
	}
	s := fmt.Sprintf("%d snapshots, newest first: %s", len(snapshots), strings.Join(names, ", "))
	if len(snapshots) > most {
		s += fmt.Sprintf(" and %d older", len(snapshots)-most)
	}
	return s
}

// Path returns the path of the snapshot with the given name, which must be the name of a
// snapshot as List returns it. It does not check that the snapshot exists.
func (s Store) Path(name string) (string, error) {
	if err := s.checkDir(); err != nil {
		return "", err
	}
	if strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return "", fmt.Errorf("snapshot name %q must be a file name in the store, without a path: such as %s", name, exampleName)
	}
	if _, ok := parseName(name); !ok {
		return "", fmt.Errorf("%q is not the name of a full snapshot: want %sYYYYMMDDTHHMMSS.NNNNNNNNNZ%s in UTC, such as %s", name, fullPrefix, snapshotExt, exampleName)
	}
	return filepath.Join(s.Dir, name), nil
}

// Prune deletes all but the newest keep snapshots and returns the deleted ones, oldest
// first. keep must be at least 1. It goes on after a failed deletion and reports all
// failures.
func (s Store) Prune(keep int) ([]Snapshot, error) {
	if keep < 1 {
		return nil, fmt.Errorf("snapshots to keep must be at least 1, got %d", keep)
	}
	snapshots, err := s.List()
	if err != nil {
		return nil, err
	}
	if len(snapshots) <= keep {
		return []Snapshot{}, nil
	}
	removed := []Snapshot{}
	var errs []error
	for _, snap := range snapshots[:len(snapshots)-keep] {
		err := os.Remove(filepath.Join(s.Dir, snap.Name))
		switch {
		case err == nil:
			removed = append(removed, snap)
		case errors.Is(err, fs.ErrNotExist):
		default:
			errs = append(errs, fmt.Errorf("deleting snapshot %q: %w", snap.Name, err))
		}
	}
	return removed, errors.Join(errs...)
}
