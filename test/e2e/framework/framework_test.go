package framework_test

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/test/e2e/framework"
)

func TestPIDs(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	for comp, state := range map[string]string{
		"garden/etcd":           `{"pid": 11, "hash": "x"}`,
		"garden/kube-apiserver": `{"pid": 12}`,
		"seed-local/gardenlet":  `{"startTime": 5, "pid": 21}`,
	} {
		g.Expect(os.MkdirAll(filepath.Join(dir, comp), 0o700)).To(Succeed())
		g.Expect(os.WriteFile(filepath.Join(dir, comp, ".state.json"), []byte(state), 0o600)).To(Succeed())
	}
	g.Expect(os.WriteFile(filepath.Join(dir, "garden", ".set.json"), []byte(`{}`), 0o600)).To(Succeed())

	g.Expect(framework.PIDs(dir)).To(Equal(map[string]int{"garden/etcd": 11, "garden/kube-apiserver": 12, "seed-local/gardenlet": 21}))
	g.Expect(framework.PID(dir, "seed-local", "gardenlet")).To(Equal(21))
	_, err := framework.PID(dir, "seed-local", "etcd")
	g.Expect(err).To(MatchError(os.ErrNotExist))
	g.Expect(framework.PIDs(t.TempDir())).To(BeEmpty())

	g.Expect(os.WriteFile(filepath.Join(dir, "garden", "etcd", ".state.json"), []byte("{"), 0o600)).To(Succeed())
	_, err = framework.PIDs(dir)
	g.Expect(err).To(MatchError(ContainSubstring(filepath.Join(dir, "garden", "etcd", ".state.json"))))
}

func TestProcesses(t *testing.T) {
	g := NewWithT(t)
	g.Expect(framework.Alive(os.Getpid())).To(BeTrue())
	g.Expect(framework.Alive(1<<30)).To(BeFalse(), "no such pid")

	rss, err := framework.RSS(os.Getpid())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rss).To(BeNumerically(">", 0))
	twice, err := framework.RSS(os.Getpid(), os.Getpid())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(twice).To(BeNumerically(">", rss), "the sum of both")
	_, err = framework.RSS(1 << 30)
	g.Expect(err).To(MatchError(ContainSubstring("process 1073741824")))
}

func TestListening(t *testing.T) {
	g := NewWithT(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	g.Expect(err).NotTo(HaveOccurred())
	port := l.Addr().(*net.TCPAddr).Port
	g.Expect(framework.Listening(port)).To(BeTrue())
	g.Expect(l.Close()).To(Succeed())
	g.Expect(framework.Listening(port)).To(BeFalse())
}

func TestCLI(t *testing.T) {
	g := NewWithT(t)
	bin := t.TempDir()
	// Stand-ins for the binaries, which print their arguments and environment.
	script := "#!/bin/sh\necho \"$0 $* KUBECONFIG=$KUBECONFIG\"\necho oops >&2\n[ \"$1\" != fail ] && [ \"$3\" != fail ]\n"
	for _, name := range []string{"hortus", "kubectl"} {
		g.Expect(os.WriteFile(filepath.Join(bin, name), []byte(script), 0o700)).To(Succeed())
	}
	var log bytes.Buffer
	cli := framework.CLI{BinDir: bin, Env: []string{"KUBECONFIG=/garden"}, Log: &log}
	ctx := context.Background()

	out, err := cli.Hortus(ctx, "up", "--state-dir", "s")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out).To(Equal(filepath.Join(bin, "hortus")+" up --state-dir s KUBECONFIG=/garden\noops\n"), "stdout and stderr")
	g.Expect(log.String()).To(Equal("$ hortus up --state-dir s\n" + out))
	_, err = cli.Hortus(ctx, "fail")
	g.Expect(err).To(HaveOccurred())

	out, err = cli.Kubectl(ctx, "/shoot", "get", "ns")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out).To(Equal(filepath.Join(bin, "kubectl")+" --kubeconfig /shoot get ns KUBECONFIG=/garden\n"), "stdout only")
	_, err = cli.Kubectl(ctx, "/shoot", "fail")
	g.Expect(err).To(MatchError(And(HavePrefix("kubectl fail: exit status 1: "), HaveSuffix("oops\n"))))
}

func TestBinDir(t *testing.T) {
	g := NewWithT(t)
	t.Setenv("HORTUS_BIN_DIR", "")
	g.Expect(framework.BinDir("/repo")).To(Equal("/repo/bin"))
	t.Setenv("HORTUS_BIN_DIR", "/opt/hortus")
	g.Expect(framework.BinDir("/repo")).To(Equal("/opt/hortus"))
}

func TestNewLocalLandscape(t *testing.T) {
	g := NewWithT(t)
	bin, compat := t.TempDir(), t.TempDir()
	t.Setenv("HORTUS_BIN_DIR", bin)
	t.Setenv("HORTUS_COMPAT_DIR", compat)

	_, err := framework.NewLocalLandscape("workers", 7, nil)
	g.Expect(err).To(MatchError("hortus, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl not found in " + bin + ": run 'make build kube' first, or set HORTUS_BIN_DIR"))

	for _, name := range []string{"hortus", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"} {
		g.Expect(os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"), 0o700)).To(Succeed())
	}
	l, err := framework.NewLocalLandscape("workers", 7, nil)
	g.Expect(err).NotTo(HaveOccurred())
	state := filepath.Join(os.TempDir(), "hortus-e2e-workers-7")
	g.Expect(l.StateDir).To(Equal(state))
	g.Expect(l.CompatDir).To(Equal(compat))
	g.Expect(l.CLI.BinDir).To(Equal(bin))
	g.Expect(l.CLI.Env).To(Equal([]string{"KUBECONFIG=" + filepath.Join(state, "garden.kubeconfig")}))
	g.Expect(l.GardenKubeconfig()).To(Equal(filepath.Join(state, "garden.kubeconfig")))
	g.Expect(l.Up(context.Background())).To(Succeed(), "the stand-in hortus succeeds")

	g.Expect(os.WriteFile(filepath.Join(bin, "hortus"), []byte("#!/bin/sh\necho no landscape here\nexit 3\n"), 0o700)).To(Succeed())
	g.Expect(l.Down(context.Background())).To(MatchError("hortus down --purge --state-dir " + state + ": exit status 3\nno landscape here\n"))
}
