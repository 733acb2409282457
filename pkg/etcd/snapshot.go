package etcd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/go-logr/logr"
	clientv3 "go.etcd.io/etcd/client/v3"
	clientsnapshot "go.etcd.io/etcd/client/v3/snapshot"
	utlsnapshot "go.etcd.io/etcd/etcdutl/v3/snapshot"
	"go.uber.org/zap"
)

// ErrDataDirNotEmpty is returned by RestoreSnapshot when the target data dir holds files.
var ErrDataDirNotEmpty = errors.New("data dir is not empty")

// SaveSnapshot streams a snapshot of the one etcd in cfg.Endpoints to path. The file
// appears at path complete or not at all: it is written to a temporary file in the same
// directory, synced, and renamed into place. An existing file at path is replaced.
func SaveSnapshot(ctx context.Context, cfg clientv3.Config, path string) error {
	if len(cfg.Endpoints) != 1 {
		return fmt.Errorf("a snapshot must be taken from exactly one endpoint, got %d: %v", len(cfg.Endpoints), cfg.Endpoints)
	}
	dir := filepath.Dir(path)
	tmpDir, err := os.MkdirTemp(dir, "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return fmt.Errorf("creating a temporary directory next to snapshot %q: %w", path, err)
	}
	defer func() { _ = os.RemoveAll(tmpDir) }()
	tmpPath := filepath.Join(tmpDir, "snapshot.db")

	lg := cfg.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	if cfg.Context == nil {
		cfg.Context = ctx
	}
	version, err := clientsnapshot.SaveWithVersion(ctx, lg, cfg, tmpPath)
	if err != nil {
		return fmt.Errorf("saving snapshot of %s: %w", cfg.Endpoints[0], err)
	}
	fi, err := os.Stat(tmpPath)
	if err != nil {
		return fmt.Errorf("reading saved snapshot: %w", err)
	}
	if err := os.Rename(tmpPath, path); err != nil {
		return fmt.Errorf("moving snapshot into place at %q: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	logr.FromContextOrDiscard(ctx).Info("Saved etcd snapshot",
		"path", path, "sizeBytes", fi.Size(), "etcdVersion", version, "endpoint", cfg.Endpoints[0])
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("opening %q to sync it: %w", dir, err)
	}
	if err := d.Sync(); err != nil {
		_ = d.Close()
		return fmt.Errorf("syncing %q: %w", dir, err)
	}
	if err := d.Close(); err != nil {
		return fmt.Errorf("closing %q: %w", dir, err)
	}
	return nil
}

// RestoreSnapshot builds a new single-member data dir at o.DataDir from the snapshot at
// snapshotPath; Start then serves its data. The member is o.Name at o.ListenPeerURL, so
// start the server with the same values. o.DataDir must not exist or be empty: restore
// never overwrites data. The data dir appears complete or not at all. The restored data
// keeps the snapshot's revision; see RestoreSnapshotWithRevisionBump for clients that saw
// later revisions.
func RestoreSnapshot(ctx context.Context, snapshotPath string, o Options) error {
	return RestoreSnapshotWithRevisionBump(ctx, snapshotPath, o, 0)
}

// RestoreSnapshotWithRevisionBump is RestoreSnapshot that also raises the revision of the
// restored data by revisionBump and marks the raised revision as compacted; zero does
// neither. A snapshot is older than what clients of the lost etcd saw: without the bump,
// new writes would reuse revisions that the clients already know with other contents,
// and watchers such as the kube-apiserver's watch cache or informers would resume from a
// revision in the future and miss changes. With it, revisions only grow, and a watch from
// any earlier revision ends with "required revision has been compacted", which makes the
// client list afresh. The bump must exceed the writes that happened after the snapshot.
func RestoreSnapshotWithRevisionBump(ctx context.Context, snapshotPath string, o Options, revisionBump uint64) error {
	if err := errors.Join(
		validateName(o.Name),
		validateDataDir(o.DataDir),
		validateURL("listen-peer-urls", o.ListenPeerURL, true),
	); err != nil {
		return fmt.Errorf("invalid restore options: %w", err)
	}
	o, err := o.withDefaults()
	if err != nil {
		return err
	}
	peerURL, err := parseURL("listen-peer-urls", o.ListenPeerURL)
	if err != nil {
		return err
	}
	if _, err := os.Stat(snapshotPath); err != nil {
		return fmt.Errorf("reading snapshot: %w", err)
	}
	if err := checkEmptyDir(o.DataDir); err != nil {
		return err
	}

	// Restore next to the target and rename: rename(2) replaces an empty directory, and a
	// failed restore leaves nothing behind that would block the next attempt.
	dataDir := filepath.Clean(o.DataDir)
	parent := filepath.Dir(dataDir)
	if err := os.MkdirAll(parent, privateDirMode); err != nil {
		return fmt.Errorf("creating the parent of data dir %q: %w", dataDir, err)
	}
	tmpDir, err := os.MkdirTemp(parent, "."+filepath.Base(dataDir)+".restore-")
	if err != nil {
		return fmt.Errorf("creating a temporary directory next to data dir %q: %w", dataDir, err)
	}
	defer func() { _ = os.RemoveAll(tmpDir) }()

	log := logr.FromContextOrDiscard(ctx)
	log.Info("Restoring etcd snapshot", "path", snapshotPath, "dataDir", dataDir, "name", o.Name, "peerURL", peerURL.String(), "revisionBump", revisionBump)
	err = utlsnapshot.NewV3(o.Logger).Restore(utlsnapshot.RestoreConfig{
		SnapshotPath:        snapshotPath,
		Name:                o.Name,
		OutputDataDir:       tmpDir,
		PeerURLs:            []string{peerURL.String()},
		InitialCluster:      o.Name + "=" + peerURL.String(),
		InitialClusterToken: initialClusterToken,
		RevisionBump:        revisionBump,
		MarkCompacted:       revisionBump > 0,
	})
	if err != nil {
		return fmt.Errorf("restoring snapshot %q: %w", snapshotPath, err)
	}
	if err := os.Chmod(tmpDir, privateDirMode); err != nil {
		return fmt.Errorf("restricting restored data dir to mode 0700: %w", err)
	}
	if err := os.Rename(tmpDir, dataDir); err != nil {
		return fmt.Errorf("moving restored data into data dir %q: %w", dataDir, err)
	}
	if err := syncDir(parent); err != nil {
		return err
	}
	log.Info("Restored etcd snapshot", "path", snapshotPath, "dataDir", dataDir)
	return nil
}

// checkEmptyDir accepts a missing or empty directory.
func checkEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("reading data dir %q: %w", dir, err)
	case len(entries) > 0:
		return fmt.Errorf("%w: %q holds %d entries; restore never overwrites data, so remove it or choose another --data-dir", ErrDataDirNotEmpty, dir, len(entries))
	}
	return nil
}
