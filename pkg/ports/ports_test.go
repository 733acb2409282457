package ports_test

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/ports"
)

func TestAllocateIsIdempotent(t *testing.T) {
	g := NewWithT(t)
	a := ports.New(filepath.Join(t.TempDir(), "ports.json"))

	first, err := a.Allocate("shoot-a/etcd", "client", "peer")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(first).To(HaveLen(2))
	g.Expect(first["client"]).NotTo(Equal(first["peer"]))

	again, err := a.Allocate("shoot-a/etcd", "peer", "client")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(again).To(Equal(first))

	// A new name of the same owner keeps the old ones and gets a port of its own.
	more, err := a.Allocate("shoot-a/etcd", "client", "metrics")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(more["client"]).To(Equal(first["client"]))
	g.Expect(more["metrics"]).NotTo(BeElementOf(first["client"], first["peer"]))
}

func TestAllocatePersistsAcrossInstances(t *testing.T) {
	g := NewWithT(t)
	file := filepath.Join(t.TempDir(), "sub", "ports.json")

	first, err := ports.New(file).Allocate("shoot-a/kube-apiserver", "https")
	g.Expect(err).NotTo(HaveOccurred())

	b := ports.New(file)
	again, err := b.Allocate("shoot-a/kube-apiserver", "https")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(again).To(Equal(first))
	g.Expect(b.Owners()).To(Equal([]string{"shoot-a/kube-apiserver"}))
	g.Expect(b.List()).To(Equal([]ports.Reservation{{Owner: "shoot-a/kube-apiserver", Name: "https", Port: first["https"]}}))
}

func TestRelease(t *testing.T) {
	g := NewWithT(t)
	a := ports.New(filepath.Join(t.TempDir(), "ports.json"))

	_, err := a.Allocate("one", "p")
	g.Expect(err).NotTo(HaveOccurred())
	two, err := a.Allocate("two", "p")
	g.Expect(err).NotTo(HaveOccurred())

	g.Expect(a.Release("one")).To(Succeed())
	g.Expect(a.Release("unknown")).To(Succeed())
	g.Expect(a.Owners()).To(Equal([]string{"two"}))
	g.Expect(a.List()).To(Equal([]ports.Reservation{{Owner: "two", Name: "p", Port: two["p"]}}))
}

// TestConcurrentAllocatorsNeverCollide lets two Allocators on one file hand out ports from
// many goroutines. Every port must be unique, and no reservation may get lost: asking again
// returns the same port.
func TestConcurrentAllocatorsNeverCollide(t *testing.T) {
	g := NewWithT(t)
	file := filepath.Join(t.TempDir(), "ports.json")
	allocators := []*ports.Allocator{ports.New(file), ports.New(file)}

	const perAllocator = 20
	var (
		mu    sync.Mutex
		got   = map[string]map[string]int{}
		wg    sync.WaitGroup
		errCh = make(chan error, 2*perAllocator)
	)
	for i, a := range allocators {
		for j := range perAllocator {
			wg.Add(1)
			go func() {
				defer wg.Done()
				owner := fmt.Sprintf("owner-%d-%d", i, j)
				p, err := a.Allocate(owner, "a", "b")
				if err != nil {
					errCh <- err
					return
				}
				mu.Lock()
				got[owner] = p
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	close(errCh)
	for err := range errCh {
		g.Expect(err).NotTo(HaveOccurred())
	}

	seen := map[int]string{}
	for owner, byName := range got {
		for name, p := range byName {
			g.Expect(seen).NotTo(HaveKey(p), "port %d given to %s/%s and %s", p, owner, name, seen[p])
			seen[p] = owner + "/" + name
		}
	}
	g.Expect(seen).To(HaveLen(2 * 2 * perAllocator))

	check := ports.New(file)
	g.Expect(check.List()).To(HaveLen(2 * 2 * perAllocator))
	for owner, byName := range got {
		g.Expect(check.Allocate(owner, "a", "b")).To(Equal(byName), "reservation of %s lost", owner)
	}
}

// Ports come from below the kernel's ephemeral range, so that no outgoing connection takes
// a reserved port while its component is not listening; each is free to listen on.
func TestAllocateAvoidsTheEphemeralRange(t *testing.T) {
	g := NewWithT(t)
	ephemeralLow := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			ephemeralLow, _ = strconv.Atoi(f[0])
		}
	}
	a := ports.New(filepath.Join(t.TempDir(), "ports.json"))
	names := make([]string, 50)
	for i := range names {
		names[i] = fmt.Sprintf("p%d", i)
	}
	got, err := a.Allocate("owner", names...)
	g.Expect(err).NotTo(HaveOccurred())
	for name, p := range got {
		g.Expect(p).To(BeNumerically(">=", 20000), name)
		if ephemeralLow-20000 >= 4096 {
			g.Expect(p).To(BeNumerically("<", ephemeralLow), name)
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		g.Expect(err).NotTo(HaveOccurred(), "port %d of %s is free to listen on", p, name)
		g.Expect(l.Close()).To(Succeed())
	}
}

func TestMain(m *testing.M) {
	// The tests' state files go to an index of their own, not the machine's.
	dir, err := os.MkdirTemp("", "hortus-ports-index-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.Setenv(ports.IndexEnv, dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

// freeLoopbackPort returns a port that nothing listens on at the moment.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}

// twoStateFiles returns the paths of two state files of different landscapes, a port
// index and a port that nothing listens on at the moment.
func twoStateFiles(t *testing.T) (fileA, fileB, index string, port int) {
	t.Helper()
	dir := t.TempDir()
	return filepath.Join(dir, "a", "ports.json"), filepath.Join(dir, "b", "ports.json"), t.TempDir(), freeLoopbackPort(t)
}

// Two state files never get the same port, even while nothing listens on it: the port
// index tells the second Allocator what the first reserved.
func TestAllocatorsOfTwoStateFilesNeverShareAPort(t *testing.T) {
	g := NewWithT(t)
	fileA, fileB, index, p := twoStateFiles(t)
	a := ports.NewInRange(fileA, index, p, p)
	b := ports.NewInRange(fileB, index, p, p)

	got, err := a.Allocate("landscape-a/kube-apiserver", "https")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got["https"]).To(Equal(p))

	_, err = b.Allocate("landscape-b/kube-apiserver", "https")
	g.Expect(err).To(MatchError(ContainSubstring("no free port")), "the only port of the range is reserved by the other state file")

	// Released ports are free for the other state file.
	g.Expect(a.Release("landscape-a/kube-apiserver")).To(Succeed())
	got, err = b.Allocate("landscape-b/kube-apiserver", "https")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got["https"]).To(Equal(p))

	// Now a cannot have it back under another owner.
	_, err = a.Allocate("landscape-a/etcd", "client")
	g.Expect(err).To(MatchError(ContainSubstring("no free port")))
}

// A state file that was removed (a purged state directory) reserves nothing, and its
// index entry goes.
func TestRemovedStateFilesAreForgotten(t *testing.T) {
	g := NewWithT(t)
	fileA, fileB, index, p := twoStateFiles(t)

	_, err := ports.NewInRange(fileA, index, p, p).Allocate("a", "p")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(os.ReadDir(index)).To(HaveLen(2), "the lock and a's entry")
	g.Expect(os.RemoveAll(filepath.Dir(fileA))).To(Succeed())

	b := ports.NewInRange(fileB, index, p, p)
	got, err := b.Allocate("b", "p")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got["p"]).To(Equal(p))
	entries, err := os.ReadDir(index)
	g.Expect(err).NotTo(HaveOccurred())
	var names []string
	for _, e := range entries {
		if e.Name() != ".lock" {
			b, err := os.ReadFile(filepath.Join(index, e.Name()))
			g.Expect(err).NotTo(HaveOccurred())
			names = append(names, string(b))
		}
	}
	g.Expect(names).To(Equal([]string{fileB}), "a's entry was removed, b's added")

	// A purge removes b's entry at once.
	g.Expect(os.RemoveAll(filepath.Dir(fileB))).To(Succeed())
	g.Expect(b.Forget()).To(Succeed())
	g.Expect(os.ReadDir(index)).To(HaveLen(1), "only the lock")
	g.Expect(b.Forget()).To(Succeed(), "forgetting twice")
}

// A broken state file of another landscape stops no allocation.
func TestBrokenStateFileElsewhereIsIgnored(t *testing.T) {
	g := NewWithT(t)
	fileA, fileB, index, p := twoStateFiles(t)
	_, err := ports.NewInRange(fileA, index, p, p).Allocate("a", "p")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(os.WriteFile(fileA, []byte("{not json"), 0o600)).To(Succeed())

	got, err := ports.NewInRange(fileB, index, p, p).Allocate("b", "p")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got["p"]).To(Equal(p))
}

// Asking again for ports an owner has needs only the state file's lock, not the
// machine-wide index's, which new allocations of every landscape on the machine share.
func TestKnownPortsDoNotWaitForTheIndex(t *testing.T) {
	g := NewWithT(t)
	fileA, _, index, p := twoStateFiles(t)
	a := ports.NewInRange(fileA, index, p, p)
	first, err := a.Allocate("a", "p")
	g.Expect(err).NotTo(HaveOccurred())

	f, err := os.OpenFile(filepath.Join(index, ".lock"), os.O_RDWR, 0)
	g.Expect(err).NotTo(HaveOccurred())
	defer func() { g.Expect(f.Close()).To(Succeed()) }()
	g.Expect(syscall.Flock(int(f.Fd()), syscall.LOCK_EX)).To(Succeed(), "another landscape allocates new ports")

	done := make(chan map[string]int, 1)
	go func() {
		got, err := a.Allocate("a", "p")
		if err == nil {
			done <- got
		}
		close(done)
	}()
	g.Eventually(done).Should(Receive(Equal(first)))
}

// Allocators of many state files, allocating at the same time, never hand out a port
// twice: new ports are taken under the index's lock.
func TestConcurrentStateFilesNeverCollide(t *testing.T) {
	g := NewWithT(t)
	dir, index := t.TempDir(), t.TempDir()
	// A range just large enough for every port asked for makes a collision likely
	// without the index.
	low := 20000 + rand.IntN(8000)
	const files, perFile = 4, 10
	var (
		mu   sync.Mutex
		seen = map[int]string{}
		wg   sync.WaitGroup
	)
	errs := make(chan error, files*perFile)
	for f := range files {
		a := ports.NewInRange(filepath.Join(dir, strconv.Itoa(f), "ports.json"), index, low, low+files*perFile+20)
		for o := range perFile {
			wg.Go(func() {
				owner := fmt.Sprintf("file-%d/owner-%d", f, o)
				got, err := a.Allocate(owner, "p")
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if other, ok := seen[got["p"]]; ok {
					errs <- fmt.Errorf("port %d given to %s and %s", got["p"], owner, other)
				}
				seen[got["p"]] = owner
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		g.Expect(err).NotTo(HaveOccurred())
	}
	g.Expect(seen).To(HaveLen(files * perFile))
}

// A state file written before the index existed (an existing landscape after an upgrade)
// is recorded as soon as it is used, even when it only asks for ports it has: from then
// on, no other state file takes them.
func TestStateFilesFromBeforeTheIndexAreRecorded(t *testing.T) {
	g := NewWithT(t)
	fileA, fileB, index, p := twoStateFiles(t)
	_, err := ports.NewInRange(fileA, index, p, p).Allocate("a", "p")
	g.Expect(err).NotTo(HaveOccurred())
	entries, err := os.ReadDir(index)
	g.Expect(err).NotTo(HaveOccurred())
	for _, e := range entries {
		if e.Name() != ".lock" {
			g.Expect(os.Remove(filepath.Join(index, e.Name()))).To(Succeed(), "as if a had been written before the index")
		}
	}

	_, err = ports.NewInRange(fileA, index, p, p).Allocate("a", "p")
	g.Expect(err).NotTo(HaveOccurred())
	_, err = ports.NewInRange(fileB, index, p, p).Allocate("b", "p")
	g.Expect(err).To(MatchError(ContainSubstring("no free port")), "a's port, recorded again")
}
