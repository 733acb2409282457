package etcdbackup_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/etcd"
	"github.com/hortus-dev/hortus/pkg/etcdbackup"
)

// history is a store with two snapshots of an etcd whose key "k" was v1 at the first, v2
// at the second and v3 when etcd stopped.
type history struct {
	PKI              testPKI
	Store            etcdbackup.Store
	First, Second    etcdbackup.Snapshot
	SecondRev, Final int64
}

func newHistory(t *testing.T) history {
	t.Helper()
	g := NewWithT(t)
	h := history{PKI: newTestPKI(t), Store: etcdbackup.Store{Dir: t.TempDir()}}
	o := etcdOptions(t, h.PKI, t.TempDir())
	s := startEtcd(t, o)
	cfg := clientConfig(t, h.PKI, o)
	cli := newEtcdClient(t, cfg)
	var err error
	put(t, cli, "k", "v1")
	h.First, err = h.Store.Save(t.Context(), cfg)
	g.Expect(err).NotTo(HaveOccurred())
	h.SecondRev = put(t, cli, "k", "v2")
	h.Second, err = h.Store.Save(t.Context(), cfg)
	g.Expect(err).NotTo(HaveOccurred())
	h.Final = put(t, cli, "k", "v3")
	g.Expect(cli.Close()).To(Succeed())
	s.Stop()
	return h
}

func TestRestoreDataDir(t *testing.T) {
	h := newHistory(t)
	tests := []struct {
		name      string
		snapshot  string
		wantValue string
		wantSnap  etcdbackup.Snapshot
	}{
		{name: "latest", wantValue: "v2", wantSnap: h.Second},
		{name: "named", snapshot: h.First.Name, wantValue: "v1", wantSnap: h.First},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			o := etcdOptions(t, h.PKI, filepath.Join(t.TempDir(), "data"))
			snap, err := etcdbackup.RestoreDataDir(t.Context(), h.Store, tt.snapshot, o)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(snap).To(Equal(tt.wantSnap))
			g.Expect(filepath.Dir(o.DataDir)).To(BeADirectory())
			entries, err := os.ReadDir(filepath.Dir(o.DataDir))
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(entries).To(HaveLen(1), "no temporary directory is left")

			startEtcd(t, o)
			cli := newEtcdClient(t, clientConfig(t, h.PKI, o))
			value, rev := get(t, cli, "k")
			g.Expect(value).To(Equal(tt.wantValue))
			g.Expect(rev).To(BeNumerically(">", h.Final), "the revision does not go backwards")
			g.Expect(rev).To(BeNumerically(">=", int64(etcdbackup.RevisionBump)))
		})
	}
}

func TestRestoreDataDirFails(t *testing.T) {
	h := newHistory(t)
	occupied := t.TempDir()
	touch(t, filepath.Join(occupied, "member"))
	tests := []struct {
		name     string
		store    etcdbackup.Store
		snapshot string
		dataDir  string
		wantErr  []any
	}{
		{name: "empty store", store: etcdbackup.Store{Dir: t.TempDir()}, wantErr: []any{etcdbackup.ErrNoSnapshots, ContainSubstring("holds no snapshots")}},
		{name: "missing store", store: etcdbackup.Store{Dir: filepath.Join(t.TempDir(), "missing")}, wantErr: []any{etcdbackup.ErrNoSnapshots}},
		{name: "unknown name", store: h.Store, snapshot: "full-20000101T000000.000000000Z.db", wantErr: []any{
			etcdbackup.ErrSnapshotNotFound, ContainSubstring(h.First.Name), ContainSubstring(h.Second.Name),
		}},
		{name: "invalid name", store: h.Store, snapshot: "../" + h.First.Name, wantErr: []any{ContainSubstring("without a path")}},
		{name: "data dir not empty", store: h.Store, dataDir: occupied, wantErr: []any{etcd.ErrDataDirNotEmpty}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			dataDir := tt.dataDir
			if dataDir == "" {
				dataDir = filepath.Join(t.TempDir(), "data")
			}
			_, err := etcdbackup.RestoreDataDir(t.Context(), tt.store, tt.snapshot, etcdOptions(t, h.PKI, dataDir))
			for _, want := range tt.wantErr {
				g.Expect(err).To(MatchError(want))
			}
		})
	}
	NewWithT(t).Expect(filepath.Join(occupied, "member")).To(BeARegularFile(), "restore never overwrites data")
}

func TestRestoreIfEmpty(t *testing.T) {
	h := newHistory(t)
	tests := []struct {
		name         string
		store        etcdbackup.Store
		snapshot     string
		occupied     bool
		wantRestored *etcdbackup.Snapshot
		wantErr      error
		wantLog      string
	}{
		{name: "latest", store: h.Store, wantRestored: &h.Second, wantLog: "Restored data dir from snapshot"},
		{name: "named", store: h.Store, snapshot: h.First.Name, wantRestored: &h.First, wantLog: h.First.Name},
		{name: "data dir holds data", store: h.Store, occupied: true, wantLog: "Data dir holds data, so no snapshot is restored"},
		{name: "data dir holds data, named", store: h.Store, snapshot: "full-20000101T000000.000000000Z.db", occupied: true, wantLog: "no snapshot is restored"},
		{name: "no snapshots", store: etcdbackup.Store{Dir: t.TempDir()}, wantLog: "starts with an empty data dir"},
		{name: "no snapshots, named", store: etcdbackup.Store{Dir: t.TempDir()}, snapshot: h.First.Name, wantErr: etcdbackup.ErrSnapshotNotFound},
		{name: "unknown name", store: h.Store, snapshot: "full-20000101T000000.000000000Z.db", wantErr: etcdbackup.ErrSnapshotNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			o := etcdOptions(t, h.PKI, filepath.Join(t.TempDir(), "data"))
			if tt.occupied {
				g.Expect(os.Mkdir(o.DataDir, 0o700)).To(Succeed())
				touch(t, filepath.Join(o.DataDir, "precious"))
			}
			logs := &logLines{}
			ctx := logr.NewContext(t.Context(), logs.logger())
			snap, restored, err := etcdbackup.RestoreIfEmpty(ctx, tt.store, tt.snapshot, o)
			if tt.wantErr != nil {
				g.Expect(err).To(MatchError(tt.wantErr))
				g.Expect(err).To(MatchError(ContainSubstring(o.DataDir)))
				g.Expect(restored).To(BeFalse())
				g.Expect(o.DataDir).NotTo(BeADirectory())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(logs.String()).To(ContainSubstring(tt.wantLog))
			if tt.wantRestored == nil {
				g.Expect(restored).To(BeFalse())
				if tt.occupied {
					g.Expect(filepath.Join(o.DataDir, "precious")).To(BeARegularFile())
				} else {
					g.Expect(o.DataDir).NotTo(BeADirectory())
				}
				return
			}
			g.Expect(restored).To(BeTrue())
			g.Expect(snap).To(Equal(*tt.wantRestored))
			g.Expect(filepath.Join(o.DataDir, "member", "snap", "db")).To(BeARegularFile())
		})
	}
}
