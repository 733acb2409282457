package pki

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

const (
	dirMode  fs.FileMode = 0o700
	certMode fs.FileMode = 0o644
	keyMode  fs.FileMode = 0o600
)

// CertPath returns the path WritePair uses for the certificate called name in dir.
func CertPath(dir, name string) string { return filepath.Join(dir, name+".crt") }

// KeyPath returns the path WritePair uses for the private key called name in dir.
func KeyPath(dir, name string) string { return filepath.Join(dir, name+".key") }

// WritePair writes p to <dir>/<name>.crt (mode 0644) and <dir>/<name>.key (mode 0600),
// creating dir with mode 0700 if needed. Each file is replaced atomically; the key is
// written first.
func WritePair(dir, name string, p *CertKeyPair) error {
	if err := validName(name); err != nil {
		return err
	}
	if p == nil || len(p.CertPEM) == 0 || len(p.KeyPEM) == 0 {
		return fmt.Errorf("writing pair %q: certificate and key PEM are required", name)
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("creating directory for pair %q: %w", name, err)
	}
	if err := writeFileAtomic(KeyPath(dir, name), p.KeyPEM, keyMode); err != nil {
		return fmt.Errorf("writing key of pair %q: %w", name, err)
	}
	if err := writeFileAtomic(CertPath(dir, name), p.CertPEM, certMode); err != nil {
		return fmt.Errorf("writing certificate of pair %q: %w", name, err)
	}
	return nil
}

// ErrInvalidFile is wrapped by the errors of ReadPair and of the LoadOr… functions when a
// file exists but cannot be used as it is: it does not parse, or it is not what it should
// be (a CA's certificate that is not a CA, half of a CA). They never overwrite such a file;
// their errors name it.
var ErrInvalidFile = errors.New("invalid PKI file")

// ReadPair reads the pair that WritePair wrote. The error wraps fs.ErrNotExist when
// either file is missing, and ErrInvalidFile when a file does not parse or the key does
// not belong to the certificate.
func ReadPair(dir, name string) (*CertKeyPair, error) {
	f, err := readPairFiles(dir, name)
	if err != nil {
		return nil, err
	}
	p, err := newPair(f.cert, f.key, f.certPEM, f.keyPEM)
	if err != nil {
		return nil, fmt.Errorf("%w %s (for %s): %w", ErrInvalidFile, KeyPath(dir, name), CertPath(dir, name), err)
	}
	return p, nil
}

// pairFiles is the parsed content of a pair's files.
type pairFiles struct {
	cert            *x509.Certificate
	key             crypto.Signer
	certPEM, keyPEM []byte
}

// readPairFiles reads and parses the certificate and key of the pair called name in dir
// without checking that they belong together. A file that exists is parsed even when the
// other one is missing, so that an invalid file is reported rather than treated as absent.
func readPairFiles(dir, name string) (pairFiles, error) {
	var f pairFiles
	if err := validName(name); err != nil {
		return f, err
	}
	certPath, keyPath := CertPath(dir, name), KeyPath(dir, name)
	certPEM, certErr := os.ReadFile(certPath)
	keyPEM, keyErr := os.ReadFile(keyPath)
	var err error
	if certErr == nil {
		if f.cert, err = ParseCertificatePEM(certPEM); err != nil {
			return f, fmt.Errorf("%w %s: %w", ErrInvalidFile, certPath, err)
		}
	}
	if keyErr == nil {
		if f.key, err = ParsePrivateKeyPEM(keyPEM); err != nil {
			return f, fmt.Errorf("%w %s: %w", ErrInvalidFile, keyPath, err)
		}
	}
	if certErr != nil {
		return f, fmt.Errorf("reading certificate of pair %q: %w", name, certErr)
	}
	if keyErr != nil {
		return f, fmt.Errorf("reading key of pair %q: %w", name, keyErr)
	}
	f.certPEM, f.keyPEM = certPEM, keyPEM
	return f, nil
}

// LoadOrCreateCA returns the CA stored as name in dir, or creates one with NewCA and
// writes it there when neither of its files exists. Half a pair on disk is an error
// rather than a reason to overwrite: replacing a CA invalidates everything it signed.
// An existing CA is returned as it is, even if it has expired; see NeedsRenewal.
func LoadOrCreateCA(dir, name, commonName string, validity time.Duration) (*CertKeyPair, error) {
	ca, err := ReadPair(dir, name)
	if err == nil {
		if !ca.Cert.IsCA {
			return nil, fmt.Errorf("loading CA %q: %w %s: certificate is not a CA", name, ErrInvalidFile, CertPath(dir, name))
		}
		return ca, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("loading CA %q: %w", name, err)
	}
	for _, path := range []string{CertPath(dir, name), KeyPath(dir, name)} {
		if _, statErr := os.Stat(path); !errors.Is(statErr, fs.ErrNotExist) {
			return nil, fmt.Errorf("loading CA %q: %w %s: refusing to overwrite half a CA: %w", name, ErrInvalidFile, path, err)
		}
	}
	ca, err = NewCA(commonName, validity)
	if err != nil {
		return nil, err
	}
	if err := WritePair(dir, name, ca); err != nil {
		return nil, fmt.Errorf("storing new CA: %w", err)
	}
	return ca, nil
}

// RenewalFraction is the part of its lifetime that a certificate LoadOrIssue stored has
// left at most before LoadOrIssue replaces it: it is renewed after 80% of its lifetime.
const RenewalFraction = 0.2

// LoadOrIssue returns the leaf certificate stored as name in dir while it is still good
// for cfg, and otherwise issues a new one with ca.Issue(cfg) and stores it there. A stored
// certificate is good at now when
//   - it was signed by ca (a replaced CA re-issues everything),
//   - it is valid at now and has not used up 80% of its lifetime (see RenewalFraction),
//   - and it carries cfg's common name, organizations, DNS names, IP addresses and
//     server/client usages (in any order; cfg's Validity and NotAfter are not compared).
//
// So repeated calls with the same arguments return the same certificate, byte for byte.
// A missing file, or a key that does not belong to its certificate (what an interrupted
// WritePair leaves), is replaced too. A file that does not parse is an error wrapping
// ErrInvalidFile that names the file, and is left as it is.
func LoadOrIssue(dir, name string, ca *CertKeyPair, cfg CertConfig, now time.Time) (*CertKeyPair, error) {
	if ca == nil || ca.Cert == nil {
		return nil, fmt.Errorf("loading certificate %q: no CA given", name)
	}
	f, err := readPairFiles(dir, name)
	switch {
	case err == nil:
		if p, matchErr := newPair(f.cert, f.key, f.certPEM, f.keyPEM); matchErr == nil && current(p.Cert, ca.Cert, cfg, now) {
			return p, nil
		}
	case errors.Is(err, fs.ErrNotExist):
	default:
		return nil, fmt.Errorf("loading certificate %q: %w (remove %s and %s to have them issued again)",
			name, err, CertPath(dir, name), KeyPath(dir, name))
	}
	p, err := ca.Issue(cfg)
	if err != nil {
		return nil, err
	}
	if err := WritePair(dir, name, p); err != nil {
		return nil, fmt.Errorf("storing certificate %q: %w", name, err)
	}
	return p, nil
}

// current reports whether cert, signed by ca, is still good for cfg at now; see
// LoadOrIssue.
func current(cert, ca *x509.Certificate, cfg CertConfig, now time.Time) bool {
	if cert.CheckSignatureFrom(ca) != nil || now.Before(cert.NotBefore) || NeedsRenewal(cert, now, RenewalFraction) {
		return false
	}
	ips := func(in []net.IP) []string {
		out := make([]string, 0, len(in))
		for _, ip := range in {
			out = append(out, ip.String())
		}
		return out
	}
	return cert.Subject.CommonName == cfg.CommonName &&
		sameSet(cert.Subject.Organization, cfg.Organization) &&
		sameSet(cert.DNSNames, cfg.DNSNames) &&
		sameSet(ips(cert.IPAddresses), ips(cfg.IPAddresses)) &&
		slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageServerAuth) == cfg.Server &&
		slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageClientAuth) == cfg.Client
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

func validName(name string) error {
	if name == "" || name == "." || name == ".." || filepath.Base(name) != name {
		return fmt.Errorf("invalid pair name %q: must be a plain file name", name)
	}
	return nil
}

// writeFileAtomic writes data to a temporary file next to path, sets mode, syncs it and
// renames it over path, so readers see either the old or the new content.
func writeFileAtomic(path string, data []byte, mode fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("creating temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, ignoreNotExist(os.Remove(tmp.Name())))
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return errors.Join(fmt.Errorf("writing %s: %w", tmp.Name(), err), tmp.Close())
	}
	if err := tmp.Chmod(mode); err != nil {
		return errors.Join(fmt.Errorf("setting mode of %s: %w", tmp.Name(), err), tmp.Close())
	}
	if err := tmp.Sync(); err != nil {
		return errors.Join(fmt.Errorf("syncing %s: %w", tmp.Name(), err), tmp.Close())
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("renaming %s to %s: %w", tmp.Name(), path, err)
	}
	// Persist the rename itself. Not every platform can sync a directory, so this is
	// best effort.
	if d, openErr := os.Open(dir); openErr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

func ignoreNotExist(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
