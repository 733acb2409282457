package process

import (
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/component"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name string
		stat string
		want procStat
		err  bool
	}{{
		name: "plain",
		stat: "1234 (etcd) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 12 0 98765 1000 100 18446744073709551615",
		want: procStat{state: 'S', pgid: 1234, startTime: 98765},
	}, {
		name: "command with spaces and parentheses",
		stat: "42 (a) b (c)) Z 1 40 41 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7 0 0",
		want: procStat{state: 'Z', pgid: 40, startTime: 7},
	}, {
		name: "truncated",
		stat: "42 (x) S 1 40",
		err:  true,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			got, err := parseStat([]byte(tc.stat))
			if tc.err {
				g.Expect(err).To(HaveOccurred())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tc.want))
		})
	}
}

func TestBackoff(t *testing.T) {
	b := Backoff{Initial: time.Second, Max: 5 * time.Second, ResetAfter: time.Minute}
	tests := []struct {
		name      string
		prev, ran time.Duration
		want      time.Duration
	}{
		{name: "first crash", prev: 0, ran: time.Second, want: time.Second},
		{name: "doubles", prev: 2 * time.Second, ran: time.Second, want: 4 * time.Second},
		{name: "capped", prev: 4 * time.Second, ran: time.Second, want: 5 * time.Second},
		{name: "reset after a long run", prev: 5 * time.Second, ran: time.Minute, want: time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			NewWithT(t).Expect(b.next(tc.prev, tc.ran)).To(Equal(tc.want))
		})
	}
}

func TestProbe(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.Error(w, "not healthy", http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(plain.Close)
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			http.Error(w, "who are you", http.StatusUnauthorized)
		}
	}))
	t.Cleanup(secure.Close)
	workDir := t.TempDir()
	caFile := filepath.Join(workDir, "ca.crt")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: secure.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	port := func(s *httptest.Server) int { return s.Listener.Addr().(*net.TCPAddr).Port }
	closed := func() int {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = l.Close() }()
		return l.Addr().(*net.TCPAddr).Port
	}()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		probe *component.Probe
		env   []string
		err   string
	}{
		{name: "no probe"},
		{name: "http ok", probe: &component.Probe{HTTPGet: &component.HTTPGetAction{Port: port(plain), Path: "healthz"}}},
		{name: "http 503", probe: &component.Probe{HTTPGet: &component.HTTPGetAction{Port: port(plain), Path: "/livez"}}, err: "503 Service Unavailable: not healthy"},
		{name: "https with CA and token", probe: &component.Probe{HTTPGet: &component.HTTPGetAction{Scheme: "https", Port: port(secure), CAFile: "$(HORTUS_WORKDIR)/ca.crt", BearerToken: "s3cret"}}},
		{name: "https without CA skips verification", probe: &component.Probe{HTTPGet: &component.HTTPGetAction{Scheme: "https", Port: port(secure), BearerToken: "s3cret"}}},
		{name: "https wrong token", probe: &component.Probe{HTTPGet: &component.HTTPGetAction{Scheme: "https", Port: port(secure), CAFile: caFile}}, err: "401"},
		{name: "https untrusted", probe: &component.Probe{HTTPGet: &component.HTTPGetAction{Scheme: "https", Port: port(secure), CAFile: "/dev/null"}}, err: "holds no PEM certificate"},
		{name: "tcp ok", probe: &component.Probe{TCPSocket: &component.TCPSocketAction{Port: port(plain)}}},
		{name: "tcp refused", probe: &component.Probe{TCPSocket: &component.TCPSocketAction{Port: closed}}, err: "connection refused"},
		{name: "exec ok", probe: &component.Probe{Exec: &component.ExecAction{Command: []string{self}}}, env: []string{"HORTUS_TEST_CHILD=true"}},
		{name: "exec fails", probe: &component.Probe{Exec: &component.ExecAction{Command: []string{self}}}, env: []string{"HORTUS_TEST_CHILD=exit"}, err: "exit mode: failing on purpose"},
	}
	e, err := New(Options{StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			p := expandProbe(tc.probe, map[string]string{component.WorkDirVar: workDir})
			err := e.probe(t.Context(), p, probeTarget{dir: workDir, env: tc.env})
			if tc.err == "" {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(err).To(MatchError(ContainSubstring(tc.err)))
		})
	}
}

func TestLogTail(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "x.log")
	g.Expect(logTail(path)).To(ContainSubstring("no log at " + path))
	g.Expect(os.WriteFile(path, nil, 0o600)).To(Succeed())
	g.Expect(logTail(path)).To(ContainSubstring("is empty"))

	var b strings.Builder
	for i := 1; i <= 25; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	g.Expect(os.WriteFile(path, []byte(b.String()), 0o600)).To(Succeed())
	tail := logTail(path)
	g.Expect(tail).To(HavePrefix("; last 20 lines of " + path + ":\n\tline 6\n"))
	g.Expect(tail).To(HaveSuffix("\tline 25"))
	g.Expect(strings.Count(tail, "\n\t")).To(Equal(20))
}

func TestRunEnvExpandsLikeKubernetes(t *testing.T) {
	g := NewWithT(t)
	c := component.Component{Env: []component.EnvVar{
		{Name: "DATA", Value: "$(HORTUS_WORKDIR)/data"},
		{Name: "URL", Value: "file://$(DATA)?later=$(LATER)&cost=$$5"},
		{Name: "LATER", Value: "x"},
		{Name: component.WorkDirVar, Value: "/ignored"},
	}}
	vars, env := runEnv(c, "/state/s/c")
	g.Expect(env).To(Equal([]string{
		"DATA=/state/s/c/data",
		"URL=file:///state/s/c/data?later=$(LATER)&cost=$5",
		"LATER=x",
		"HORTUS_WORKDIR=/state/s/c",
	}))
	g.Expect(vars).To(HaveKeyWithValue(component.WorkDirVar, "/state/s/c"))
	g.Expect(vars).To(HaveLen(4))
}

func TestResolveVersionedBinary(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	write := func(rel string) string {
		p := filepath.Join(dir, rel)
		g.Expect(os.MkdirAll(filepath.Dir(p), 0o755)).To(Succeed())
		g.Expect(os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755)).To(Succeed())
		return p
	}
	v136 := write("kube/v1.36.3/kube-apiserver")
	write("kube-apiserver")
	e := &Executor{binDirs: []string{filepath.Join(dir, "kube"), dir}}

	got, err := e.resolveBinary("kube-apiserver@v1.36.3")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got).To(Equal(v136))

	_, err = e.resolveBinary("kube-apiserver@v1.35.4")
	g.Expect(err).To(MatchError(ContainSubstring("make kube KUBE_VERSIONS=v1.35.4")), "a missing version is an error, not another version")

	got, err = e.resolveBinary("kube-apiserver")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got).To(Equal(filepath.Join(dir, "kube-apiserver")))
}
