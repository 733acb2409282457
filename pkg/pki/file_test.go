package pki_test

import (
	"crypto/x509"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/pki"
)

func fileMode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestWriteReadPair(t *testing.T) {
	g := NewWithT(t)
	ca := mustCA(t, "ca")
	leaf := mustIssue(t, ca, pki.CertConfig{CommonName: "apiserver", Server: true})
	dir := filepath.Join(t.TempDir(), "nested", "pki")

	g.Expect(pki.WritePair(dir, "apiserver", leaf)).To(Succeed())

	g.Expect(fileMode(t, dir)).To(Equal(fs.FileMode(0o700)))
	g.Expect(fileMode(t, filepath.Join(dir, "apiserver.crt"))).To(Equal(fs.FileMode(0o644)))
	g.Expect(fileMode(t, filepath.Join(dir, "apiserver.key"))).To(Equal(fs.FileMode(0o600)))
	g.Expect(pki.CertPath(dir, "apiserver")).To(Equal(filepath.Join(dir, "apiserver.crt")))
	g.Expect(pki.KeyPath(dir, "apiserver")).To(Equal(filepath.Join(dir, "apiserver.key")))
	entries, err := os.ReadDir(dir)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(entries).To(HaveLen(2), "no temporary files may be left behind")

	got, err := pki.ReadPair(dir, "apiserver")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.CertPEM).To(Equal(leaf.CertPEM))
	g.Expect(got.KeyPEM).To(Equal(leaf.KeyPEM))
	g.Expect(got.Cert.Equal(leaf.Cert)).To(BeTrue())
	g.Expect(got.Verify(ca.Cert)).To(Succeed())

	// Overwriting replaces both files and keeps their modes.
	renewed := mustIssue(t, ca, pki.CertConfig{CommonName: "apiserver", Server: true})
	g.Expect(pki.WritePair(dir, "apiserver", renewed)).To(Succeed())
	got, err = pki.ReadPair(dir, "apiserver")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.Cert.Equal(renewed.Cert)).To(BeTrue())
	g.Expect(fileMode(t, filepath.Join(dir, "apiserver.key"))).To(Equal(fs.FileMode(0o600)))
	g.Expect(fileMode(t, filepath.Join(dir, "apiserver.crt"))).To(Equal(fs.FileMode(0o644)))
}

func TestReadPairErrors(t *testing.T) {
	ca := mustCA(t, "ca")
	leaf := mustIssue(t, ca, pki.CertConfig{CommonName: "leaf", Client: true})
	other := mustIssue(t, ca, pki.CertConfig{CommonName: "other", Client: true})

	tests := []struct {
		name         string
		pairName     string
		setup        func(t *testing.T, dir string)
		wantNotExist bool
	}{
		{name: "both missing", pairName: "leaf", setup: func(*testing.T, string) {}, wantNotExist: true},
		{
			name:     "key missing",
			pairName: "leaf",
			setup: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "leaf.crt"), leaf.CertPEM)
			},
			wantNotExist: true,
		},
		{
			name:     "certificate missing",
			pairName: "leaf",
			setup: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "leaf.key"), leaf.KeyPEM)
			},
			wantNotExist: true,
		},
		{
			name:     "mismatched key",
			pairName: "leaf",
			setup: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "leaf.crt"), leaf.CertPEM)
				writeFile(t, filepath.Join(dir, "leaf.key"), other.KeyPEM)
			},
		},
		{name: "name with separator", pairName: "../leaf", setup: func(*testing.T, string) {}},
		{name: "empty name", pairName: "", setup: func(*testing.T, string) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			dir := t.TempDir()
			tt.setup(t, dir)
			p, err := pki.ReadPair(dir, tt.pairName)
			g.Expect(err).To(HaveOccurred())
			g.Expect(p).To(BeNil())
			g.Expect(errors.Is(err, fs.ErrNotExist)).To(Equal(tt.wantNotExist), "error: %v", err)
		})
	}
}

func TestWritePairInvalid(t *testing.T) {
	ca := mustCA(t, "ca")
	tests := []struct {
		name     string
		pairName string
		pair     *pki.CertKeyPair
	}{
		{name: "nil pair", pairName: "x", pair: nil},
		{name: "no key PEM", pairName: "x", pair: &pki.CertKeyPair{CertPEM: ca.CertPEM}},
		{name: "name with separator", pairName: "a/b", pair: ca},
		{name: "dot-dot", pairName: "..", pair: ca},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			dir := t.TempDir()
			g.Expect(pki.WritePair(dir, tt.pairName, tt.pair)).NotTo(Succeed())
			entries, err := os.ReadDir(dir)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(entries).To(BeEmpty())
		})
	}
}

func TestLoadOrCreateCA(t *testing.T) {
	g := NewWithT(t)
	dir := filepath.Join(t.TempDir(), "pki")

	first, err := pki.LoadOrCreateCA(dir, "ca", "hortus-ca", caValidity)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(first.Cert.IsCA).To(BeTrue())
	g.Expect(first.Cert.Subject.CommonName).To(Equal("hortus-ca"))
	g.Expect(fileMode(t, filepath.Join(dir, "ca.key"))).To(Equal(fs.FileMode(0o600)))

	second, err := pki.LoadOrCreateCA(dir, "ca", "ignored-on-reuse", caValidity)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(second.Cert.Equal(first.Cert)).To(BeTrue())
	g.Expect(second.CertPEM).To(Equal(first.CertPEM))
	g.Expect(second.KeyPEM).To(Equal(first.KeyPEM))

	// A leaf issued by the first instance verifies against the reloaded one.
	leaf := mustIssue(t, first, pki.CertConfig{CommonName: "leaf", Client: true})
	g.Expect(leaf.Verify(second.Cert)).To(Succeed())
}

func TestLoadOrCreateCAErrors(t *testing.T) {
	ca := mustCA(t, "ca")
	leaf := mustIssue(t, ca, pki.CertConfig{CommonName: "leaf", Client: true})
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
	}{
		{
			name: "only certificate present",
			setup: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "ca.crt"), ca.CertPEM)
			},
		},
		{
			name: "only key present",
			setup: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "ca.key"), ca.KeyPEM)
			},
		},
		{
			name: "stored pair is not a CA",
			setup: func(t *testing.T, dir string) {
				if err := pki.WritePair(dir, "ca", leaf); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name: "stored pair is corrupt",
			setup: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "ca.crt"), []byte("garbage"))
				writeFile(t, filepath.Join(dir, "ca.key"), ca.KeyPEM)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			dir := t.TempDir()
			tt.setup(t, dir)
			before := snapshot(t, dir)
			got, err := pki.LoadOrCreateCA(dir, "ca", "ca", caValidity)
			g.Expect(err).To(MatchError(pki.ErrInvalidFile))
			g.Expect(err.Error()).To(ContainSubstring(dir), "the error names the file")
			g.Expect(got).To(BeNil())
			g.Expect(snapshot(t, dir)).To(Equal(before), "existing files must not be overwritten")
		})
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// snapshot returns the names and contents of the files in dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

func TestLoadOrIssue(t *testing.T) {
	ca := mustCA(t, "ca")
	otherCA := mustCA(t, "other-ca")
	cfg := pki.CertConfig{
		CommonName:  "kube-apiserver",
		DNSNames:    []string{"localhost", "kubernetes"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.0.0.1")},
		Server:      true,
	}
	with := func(change func(*pki.CertConfig)) pki.CertConfig {
		c := cfg
		change(&c)
		return c
	}
	store := func(p *pki.CertKeyPair) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			if err := pki.WritePair(dir, "leaf", p); err != nil {
				t.Fatal(err)
			}
		}
	}
	stored := mustIssue(t, ca, cfg)
	shortLived := mustIssue(t, ca, with(func(c *pki.CertConfig) { c.Validity = 10 * time.Hour }))

	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		// after is how long after now LoadOrIssue runs.
		after time.Duration
		// want is "reused" (the stored pair is returned), "issued" or "error".
		want string
	}{
		{name: "nothing stored", setup: func(*testing.T, string) {}, want: "issued"},
		{name: "current certificate", setup: store(stored), want: "reused"},
		{
			name:  "names in another order",
			setup: store(mustIssue(t, ca, with(func(c *pki.CertConfig) { c.DNSNames = []string{"kubernetes", "localhost"} }))),
			want:  "reused",
		},
		{name: "signed by another CA", setup: store(mustIssue(t, otherCA, cfg)), want: "issued"},
		{name: "before 80% of its lifetime", setup: store(shortLived), after: 7 * time.Hour, want: "reused"},
		{name: "past 80% of its lifetime", setup: store(shortLived), after: 9 * time.Hour, want: "issued"},
		{name: "expired", setup: store(shortLived), after: 11 * time.Hour, want: "issued"},
		{
			name:  "other DNS names",
			setup: store(mustIssue(t, ca, with(func(c *pki.CertConfig) { c.DNSNames = []string{"localhost"} }))),
			want:  "issued",
		},
		{
			name:  "other IP addresses",
			setup: store(mustIssue(t, ca, with(func(c *pki.CertConfig) { c.IPAddresses = c.IPAddresses[:1] }))),
			want:  "issued",
		},
		{
			name:  "other organization",
			setup: store(mustIssue(t, ca, with(func(c *pki.CertConfig) { c.Organization = []string{"system:masters"} }))),
			want:  "issued",
		},
		{
			name:  "other usages",
			setup: store(mustIssue(t, ca, with(func(c *pki.CertConfig) { c.Client = true }))),
			want:  "issued",
		},
		{
			name: "key missing",
			setup: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "leaf.crt"), stored.CertPEM)
			},
			want: "issued",
		},
		{
			name: "certificate missing",
			setup: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "leaf.key"), stored.KeyPEM)
			},
			want: "issued",
		},
		{
			name: "key of another certificate, as an interrupted WritePair leaves it",
			setup: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "leaf.crt"), stored.CertPEM)
				writeFile(t, filepath.Join(dir, "leaf.key"), shortLived.KeyPEM)
			},
			want: "issued",
		},
		{
			name: "corrupt certificate",
			setup: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "leaf.crt"), []byte("garbage"))
				writeFile(t, filepath.Join(dir, "leaf.key"), stored.KeyPEM)
			},
			want: "error",
		},
		{
			name: "corrupt key",
			setup: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "leaf.crt"), stored.CertPEM)
				writeFile(t, filepath.Join(dir, "leaf.key"), []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
			},
			want: "error",
		},
		{
			name: "corrupt certificate without key",
			setup: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "leaf.crt"), []byte("garbage"))
			},
			want: "error",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			dir := t.TempDir()
			tt.setup(t, dir)
			before := snapshot(t, dir)
			now := time.Now().Add(tt.after)

			got, err := pki.LoadOrIssue(dir, "leaf", ca, cfg, now)

			if tt.want == "error" {
				g.Expect(err).To(MatchError(pki.ErrInvalidFile))
				g.Expect(err.Error()).To(ContainSubstring(dir), "the error names the file")
				g.Expect(err.Error()).To(ContainSubstring("remove"), "the error says what to do")
				g.Expect(got).To(BeNil())
				g.Expect(snapshot(t, dir)).To(Equal(before), "an invalid file must not be overwritten")
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			reloaded, err := pki.ReadPair(dir, "leaf")
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(reloaded.CertPEM).To(Equal(got.CertPEM), "the returned pair is the stored one")
			g.Expect(reloaded.KeyPEM).To(Equal(got.KeyPEM))
			if tt.want == "reused" {
				g.Expect(snapshot(t, dir)).To(Equal(before))
				return
			}
			g.Expect(got.CertPEM).NotTo(Equal([]byte(before["leaf.crt"])))
			g.Expect(got.Cert.CheckSignatureFrom(ca.Cert)).To(Succeed())
			g.Expect(got.Cert.Subject.CommonName).To(Equal(cfg.CommonName))
			g.Expect(got.Cert.DNSNames).To(Equal(cfg.DNSNames))
			g.Expect(got.Cert.IPAddresses).To(HaveLen(2))
			g.Expect(got.Cert.ExtKeyUsage).To(Equal([]x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}))
		})
	}
}

func TestLoadOrIssueIsStable(t *testing.T) {
	g := NewWithT(t)
	ca := mustCA(t, "ca")
	dir := filepath.Join(t.TempDir(), "pki")
	cfg := pki.CertConfig{CommonName: "admin", Organization: []string{"system:masters"}, Client: true}

	first, err := pki.LoadOrIssue(dir, "admin", ca, cfg, time.Now())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(fileMode(t, dir)).To(Equal(fs.FileMode(0o700)))
	g.Expect(fileMode(t, filepath.Join(dir, "admin.key"))).To(Equal(fs.FileMode(0o600)))
	second, err := pki.LoadOrIssue(dir, "admin", ca, cfg, time.Now())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(second.CertPEM).To(Equal(first.CertPEM))
	g.Expect(second.KeyPEM).To(Equal(first.KeyPEM))

	_, err = pki.LoadOrIssue(dir, "admin", nil, cfg, time.Now())
	g.Expect(err).To(HaveOccurred(), "a CA is required")
}
