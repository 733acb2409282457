package etcdbackup

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/go-logr/logr"

	"github.com/hortus-dev/hortus/pkg/etcd"
)

// RevisionBump is how far RestoreDataDir raises the revision of the restored data; the
// raised revision is also marked compacted. A snapshot is older than what the clients of
// the lost etcd saw. Without the bump, new writes would reuse revisions that the
// kube-apiserver's watch cache and the informers of controllers already know with other
// contents, and a watch resumed from such a revision would silently miss changes. With
// it, revisions never go backwards, and a watch from any earlier revision fails with
// "required revision has been compacted", which makes the client list afresh. A billion
// exceeds by far the writes a shoot's etcd takes between two daily snapshots, and leaves
// room for billions of restores in etcd's int64 revisions.
const RevisionBump = 1_000_000_000

var (
	// ErrNoSnapshots means the store holds no snapshot to restore.
	ErrNoSnapshots = errors.New("no snapshots to restore")
	// ErrSnapshotNotFound means the store has no snapshot with the requested name.
	ErrSnapshotNotFound = errors.New("snapshot not found")
)

// RestoreDataDir builds a new data dir at o.DataDir from the snapshot snapshotName of
// store, or from its newest snapshot when snapshotName is empty, and returns the snapshot
// it used. o.Name and o.ListenPeerURL must be those of the etcd that will serve the data
// dir; see etcd.RestoreSnapshot, which restores atomically into a temporary directory
// next to the data dir and renames it into place. The data dir must be missing or empty.
// The restored revision is raised by RevisionBump.
//
// It fails with ErrNoSnapshots when the store is empty, and with ErrSnapshotNotFound,
// naming the snapshots that exist, when snapshotName is not in the store.
func RestoreDataDir(ctx context.Context, store Store, snapshotName string, o etcd.Options) (Snapshot, error) {
	snap, err := pick(store, snapshotName)
	if err != nil {
		return Snapshot{}, err
	}
	path, err := store.Path(snap.Name)
	if err != nil {
		return Snapshot{}, err
	}
	if err := etcd.RestoreSnapshotWithRevisionBump(ctx, path, o, RevisionBump); err != nil {
		return Snapshot{}, err
	}
	return snap, nil
}

// pick returns the named snapshot, or the newest one for an empty name.
func pick(store Store, name string) (Snapshot, error) {
	if name != "" {
		return store.Get(name)
	}
	latest, ok, err := store.Latest()
	if err != nil {
		return Snapshot{}, err
	}
	if !ok {
		return Snapshot{}, fmt.Errorf("%w: the store %s holds no snapshots", ErrNoSnapshots, store.Dir)
	}
	return latest, nil
}

// RestoreIfEmpty prepares the data dir of an etcd that is about to start: when o.DataDir
// is missing or empty and the store holds snapshots, it restores snapshotName, or the
// newest snapshot when snapshotName is empty, and returns it with true. It returns false
// and does nothing when the data dir holds data (the restore is not needed, whatever
// snapshotName says) or when snapshotName is empty and the store holds no snapshots
// (a new etcd starts empty). A snapshotName that is not in the store is an error that
// names the snapshots that exist. Each decision is logged to the logger in ctx.
//
// This is the start of an etcd whose data was lost or moved: the owner empties the data
// dir and starts etcd with the store of its backups.
func RestoreIfEmpty(ctx context.Context, store Store, snapshotName string, o etcd.Options) (Snapshot, bool, error) {
	log := logr.FromContextOrDiscard(ctx).WithValues("dataDir", o.DataDir, "storeDir", store.Dir)
	empty, err := emptyDir(o.DataDir)
	if err != nil {
		return Snapshot{}, false, err
	}
	if !empty {
		log.Info("Data dir holds data, so no snapshot is restored", "restoreSnapshot", snapshotName)
		return Snapshot{}, false, nil
	}
	snap, err := RestoreDataDir(ctx, store, snapshotName, o)
	switch {
	case errors.Is(err, ErrNoSnapshots):
		log.Info("Store holds no snapshot to restore, so etcd starts with an empty data dir")
		return Snapshot{}, false, nil
	case err != nil:
		return Snapshot{}, false, fmt.Errorf("restoring the empty data dir %s from %s: %w", o.DataDir, store.Dir, err)
	}
	log.Info("Restored data dir from snapshot", "snapshot", snap.Name, "snapshotTime", snap.Time, "sizeBytes", snap.SizeBytes)
	return snap, true, nil
}

// emptyDir reports whether dir is missing or empty.
func emptyDir(dir string) (bool, error) {
	if dir == "" {
		return false, errors.New("--data-dir is required")
	}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("reading data dir %q: %w", dir, err)
	}
	return len(entries) == 0, nil
}
