package pki

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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

// ReadPair reads the pair that WritePair wrote. The error wraps fs.ErrNotExist when
// either file is missing.
func ReadPair(dir, name string) (*CertKeyPair, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	certPEM, err := os.ReadFile(CertPath(dir, name))
	if err != nil {
		return nil, fmt.Errorf("reading certificate of pair %q: %w", name, err)
	}
	keyPEM, err := os.ReadFile(KeyPath(dir, name))
	if err != nil {
		return nil, fmt.Errorf("reading key of pair %q: %w", name, err)
	}
	p, err := ParseCertKeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("parsing pair %q in %s: %w", name, dir, err)
	}
	return p, nil
}

// LoadOrCreateCA returns the CA stored as name in dir, or creates one with NewCA and
// writes it there when neither of its files exists. Half a pair on disk is an error
// rather than a reason to overwrite: replacing a CA invalidates everything it signed.
// An existing CA is returned as it is, even if it has expired; see NeedsRenewal.
func LoadOrCreateCA(dir, name, commonName string, validity time.Duration) (*CertKeyPair, error) {
	ca, err := ReadPair(dir, name)
	if err == nil {
		if !ca.Cert.IsCA {
			return nil, fmt.Errorf("loading CA %q from %s: certificate is not a CA", name, dir)
		}
		return ca, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("loading CA: %w", err)
	}
	for _, path := range []string{CertPath(dir, name), KeyPath(dir, name)} {
		if _, statErr := os.Stat(path); !errors.Is(statErr, fs.ErrNotExist) {
			return nil, fmt.Errorf("loading CA %q from %s: refusing to overwrite %s: %w", name, dir, path, err)
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
