package etcdbackup_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/hortus-dev/hortus/pkg/etcdbackup"
)

func TestStoreSaveNamesAndLists(t *testing.T) {
	g := NewWithT(t)
	p := newTestPKI(t)
	o := etcdOptions(t, p, t.TempDir())
	startEtcd(t, o)
	cfg := clientConfig(t, p, o)

	// The clock stands still and then goes backwards: names stay unique and in order.
	at := time.Date(2026, 11, 29, 2, 41, 5, 123456789, time.FixedZone("CET", 3600))
	clk := clocktesting.NewFakePassiveClock(at)
	store := etcdbackup.Store{Dir: filepath.Join(t.TempDir(), "backups", "entry"), Clock: clk}
	first, err := store.Save(t.Context(), cfg)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(first.Name).To(Equal("full-20261129T014105.123456789Z.db"), "UTC, nanoseconds")
	g.Expect(first.Time).To(Equal(at.UTC()))
	g.Expect(first.SizeBytes).To(BeNumerically(">", 0))
	info, err := os.Stat(store.Dir)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o700)), "snapshots hold secrets")

	second, err := store.Save(t.Context(), cfg)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(second.Name).To(Equal("full-20261129T014105.123456790Z.db"))
	clk.SetTime(at.Add(-time.Hour))
	third, err := store.Save(t.Context(), cfg)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(third.Time).To(BeTemporally(">", second.Time))

	// Foreign and temporary files are not snapshots.
	touch(t, filepath.Join(store.Dir, "notes.txt"))
	touch(t, filepath.Join(store.Dir, ".full-20261129T014105.123456791Z.db.tmp-1"))
	touch(t, filepath.Join(store.Dir, "full-2026.db"))
	g.Expect(os.Mkdir(filepath.Join(store.Dir, "full-20300101T000000.000000000Z.db"), 0o700)).To(Succeed())

	list, err := store.List()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(list).To(Equal([]etcdbackup.Snapshot{first, second, third}))
	latest, ok, err := store.Latest()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ok).To(BeTrue())
	g.Expect(latest).To(Equal(third))
	got, err := store.Get(second.Name)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got).To(Equal(second))
}

func TestStoreSaveFails(t *testing.T) {
	g := NewWithT(t)
	p := newTestPKI(t)
	o := etcdOptions(t, p, t.TempDir()) // never started
	store := etcdbackup.Store{Dir: t.TempDir()}
	cfg := clientConfig(t, p, o)
	// The etcd client waits for the server to come up, so the context bounds the wait.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	_, err := store.Save(ctx, cfg)
	g.Expect(err).To(MatchError(ContainSubstring(o.ListenClientURL)))
	entries, err := os.ReadDir(store.Dir)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(entries).To(BeEmpty(), "a failed snapshot leaves nothing behind")

	_, err = etcdbackup.Store{}.Save(t.Context(), cfg)
	g.Expect(err).To(MatchError(ContainSubstring("--store-dir")))
}

func TestStoreListMissingDir(t *testing.T) {
	g := NewWithT(t)
	store := etcdbackup.Store{Dir: filepath.Join(t.TempDir(), "missing")}
	list, err := store.List()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(list).To(BeEmpty())
	_, ok, err := store.Latest()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ok).To(BeFalse())
}

func TestStorePath(t *testing.T) {
	store := etcdbackup.Store{Dir: "/backups"}
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr string
	}{
		{name: "snapshot", in: "full-20261129T024105.123456789Z.db", want: "/backups/full-20261129T024105.123456789Z.db"},
		{name: "path", in: "../full-20261129T024105.123456789Z.db", wantErr: "without a path"},
		{name: "absolute", in: "/etc/passwd", wantErr: "without a path"},
		{name: "backslash", in: `a\b`, wantErr: "without a path"},
		{name: "dot dot", in: "..", wantErr: "without a path"},
		{name: "foreign", in: "backup.db", wantErr: "is not the name of a full snapshot"},
		{name: "temporary", in: ".full-20261129T024105.123456789Z.db.tmp-1", wantErr: "full-YYYYMMDDTHHMMSS.NNNNNNNNNZ.db"},
		{name: "empty", in: "", wantErr: "is not the name of a full snapshot"},
		{name: "invalid time", in: "full-20261399T024105.123456789Z.db", wantErr: "is not the name of a full snapshot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			got, err := store.Path(tt.in)
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tt.want))
		})
	}
	_, err := etcdbackup.Store{}.Path("full-20261129T024105.123456789Z.db")
	NewWithT(t).Expect(err).To(MatchError(ContainSubstring("no directory")))
}

func TestStorePrune(t *testing.T) {
	names := []string{
		"full-20261127T000000.000000000Z.db",
		"full-20261128T000000.000000000Z.db",
		"full-20261129T000000.000000000Z.db",
		"full-20261129T000000.000000001Z.db",
	}
	tests := []struct {
		name        string
		keep        int
		wantRemoved []string
		wantErr     string
	}{
		{name: "keep one", keep: 1, wantRemoved: names[:3]},
		{name: "keep two", keep: 2, wantRemoved: names[:2]},
		{name: "keep all", keep: 4},
		{name: "keep more", keep: 10},
		{name: "keep none", keep: 0, wantErr: "at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			store := etcdbackup.Store{Dir: t.TempDir()}
			for _, n := range names {
				touch(t, filepath.Join(store.Dir, n))
			}
			touch(t, filepath.Join(store.Dir, "full-1.db"))
			removed, err := store.Prune(tt.keep)
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			var removedNames []string
			for _, s := range removed {
				removedNames = append(removedNames, s.Name)
			}
			g.Expect(removedNames).To(Equal(tt.wantRemoved))
			list, err := store.List()
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(list).To(HaveLen(min(tt.keep, len(names))))
			g.Expect(list[len(list)-1].Name).To(Equal(names[len(names)-1]), "the newest stays")
			g.Expect(filepath.Join(store.Dir, "full-1.db")).To(BeARegularFile(), "foreign files stay")
		})
	}
}

func TestStoreGetUnknown(t *testing.T) {
	g := NewWithT(t)
	store := etcdbackup.Store{Dir: t.TempDir()}
	_, err := store.Get("full-20261129T000000.000000000Z.db")
	g.Expect(err).To(MatchError(etcdbackup.ErrSnapshotNotFound))
	g.Expect(err).To(MatchError(ContainSubstring("holds no snapshots")))

	for i := range 12 {
		touch(t, filepath.Join(store.Dir, "full-202611"+string(rune('1'+i/10))+string(rune('0'+i%10))+"T000000.000000000Z.db"))
	}
	_, err = store.Get("full-20261129T000000.000000000Z.db")
	g.Expect(err).To(MatchError(etcdbackup.ErrSnapshotNotFound))
	g.Expect(err).To(MatchError(ContainSubstring("12 snapshots, newest first: full-20261121T000000.000000000Z.db, ")))
	g.Expect(err).To(MatchError(ContainSubstring("and 2 older")))
	g.Expect(err.Error()).NotTo(ContainSubstring("full-20261110T"), "the oldest are left out")
}
