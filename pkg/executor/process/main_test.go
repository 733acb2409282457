package process_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the program that the components run: with HORTUS_TEST_CHILD
// set it acts as a child in the named mode instead of running the tests.
const (
	childModeVar = "HORTUS_TEST_CHILD"
	markerVar    = "HORTUS_TEST_MARKER"
)

// self is the path of the test binary.
var self string

func TestMain(m *testing.M) {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	self = exe
	if mode := os.Getenv(childModeVar); mode != "" {
		os.Exit(child(mode, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// child runs one of the test programs:
//
//	serve PORT SHARED NAME DELAY [FILE]  appends "started NAME" to SHARED, reads FILE and
//	                                     appends "config NAME <content>", waits DELAY, then
//	                                     serves /healthz on PORT and appends "ready NAME"
//	                                     when it answers it the first time
//	spawn ...                            starts a grandchild in mode sleep, then serve ...
//	sleep                                ignores SIGTERM and sleeps
//	exit                                 writes a line to stderr and exits 1
//	hang                                 prints 30 lines and never becomes ready
//	true                                 exits 0
func child(mode string, args []string) int {
	switch mode {
	case "serve":
		return serve(args)
	case "spawn":
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), childModeVar+"=sleep")
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err == nil {
			err = cmd.Start()
		}
		if err == nil {
			// Serve only once the grandchild ignores SIGTERM.
			_, err = bufio.NewReader(out).ReadString('\n')
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "spawn:", err)
			return 1
		}
		fmt.Println("spawned", cmd.Process.Pid)
		return serve(args)
	case "sleep":
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ignoring SIGTERM")
		time.Sleep(time.Hour)
		return 0
	case "exit":
		fmt.Fprintln(os.Stderr, "exit mode: failing on purpose")
		return 1
	case "hang":
		for i := 1; i <= 30; i++ {
			fmt.Printf("hang line %d\n", i)
		}
		time.Sleep(time.Hour)
		return 0
	case "true":
		return 0
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		return 2
	}
}

func serve(args []string) int {
	if len(args) < 4 {
		fmt.Fprintln(os.Stderr, "serve: want PORT SHARED NAME DELAY [FILE]")
		return 2
	}
	port, shared, name := args[0], args[1], args[2]
	appendLine(shared, "started %s %d", name, time.Now().UnixNano())
	if len(args) > 4 {
		b, err := os.ReadFile(args[4])
		if err != nil {
			fmt.Fprintln(os.Stderr, "serve:", err)
			return 1
		}
		appendLine(shared, "config %s %s", name, b)
	}
	delay, err := time.ParseDuration(args[3])
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		return 2
	}
	time.Sleep(delay)
	l, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		return 1
	}
	fmt.Printf("serving %s on %s\n", name, port)
	var once sync.Once
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		once.Do(func() { appendLine(shared, "ready %s %d", name, time.Now().UnixNano()) })
		_, _ = fmt.Fprint(w, "ok")
	})
	fmt.Fprintln(os.Stderr, "serve:", http.Serve(l, mux))
	return 1
}

// appendLine appends one line with a single write, which O_APPEND keeps whole when several
// processes append to the same file.
func appendLine(path, format string, args ...any) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	_, _ = f.WriteString(fmt.Sprintf(format, args...) + "\n")
	_ = f.Close()
}

// markerPIDs returns the processes whose environment holds the marker.
func markerPIDs(marker string) []int {
	want := []byte(markerVar + "=" + marker)
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(b, []byte{0}) {
			if bytes.Equal(kv, want) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// sharedLines returns the names in the lines of the shared file as "started a", "ready a", ….
func sharedLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 {
			out = append(out, f[0]+" "+f[1])
		}
	}
	return out
}
