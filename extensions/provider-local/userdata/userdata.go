package userdata

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"path"
	"strconv"

	"sigs.k8s.io/yaml"
)

// Header starts every document, as cloud-init expects.
const Header = "#cloud-config\n"

// The files a machine needs to join its shoot. Paths are absolute on the machine; a
// simulated node places them below its own root directory.
const (
	// BootstrapKubeconfigPath holds a kubeconfig with a bootstrap token, good only for
	// requesting the node's client certificate.
	BootstrapKubeconfigPath = "/var/lib/kubelet/kubeconfig-bootstrap"
	// CACertPath holds the shoot's cluster CA bundle.
	CACertPath = "/var/lib/kubelet/ca.crt"
	// KubeletConfigPath holds the kubelet.config.k8s.io/v1beta1 KubeletConfiguration.
	KubeletConfigPath = "/var/lib/kubelet/config/kubelet"
	// KubeletVersionPath holds the Kubernetes version of the pool's kubelet, such as
	// v1.33.2. A real machine gets that version's kubelet binary; a simulated node reports
	// it as its kubelet version.
	KubeletVersionPath = "/var/lib/kubelet/version"
)

// File is one entry of write_files. Content is stored base64-encoded.
type File struct {
	Path        string `json:"path"`
	Permissions string `json:"permissions,omitempty"`
	Encoding    string `json:"encoding,omitempty"`
	Content     string `json:"content"`
}

// CloudConfig is the subset of cloud-init's #cloud-config that Hortus writes and reads.
type CloudConfig struct {
	WriteFiles []File `json:"write_files"`
}

// AddFile adds a file with the given content and octal permissions, such as "0600".
func (c *CloudConfig) AddFile(filePath string, content []byte, permissions string) {
	c.WriteFiles = append(c.WriteFiles, File{
		Path:        filePath,
		Permissions: permissions,
		Encoding:    "b64",
		Content:     base64.StdEncoding.EncodeToString(content),
	})
}

// Render returns the document, header included.
func (c *CloudConfig) Render() ([]byte, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	body, err := yaml.Marshal(c)
	if err != nil {
		return nil, err
	}
	return append([]byte(Header), body...), nil
}

// Parse reads a document that Render wrote, or any #cloud-config with write_files whose
// content is plain or base64 ("b64", "base64").
func Parse(data []byte) (*CloudConfig, error) {
	if !bytes.HasPrefix(data, []byte("#cloud-config")) {
		return nil, errors.New("user data is not a #cloud-config document: the first line must be #cloud-config")
	}
	c := &CloudConfig{}
	if err := yaml.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("user data: %w", err)
	}
	return c, c.validate()
}

// Content returns the decoded content of the file at filePath.
func (c *CloudConfig) Content(filePath string) ([]byte, error) {
	for _, f := range c.WriteFiles {
		if f.Path != filePath {
			continue
		}
		switch f.Encoding {
		case "":
			return []byte(f.Content), nil
		case "b64", "base64":
			b, err := base64.StdEncoding.DecodeString(f.Content)
			if err != nil {
				return nil, fmt.Errorf("user data file %s: %w", filePath, err)
			}
			return b, nil
		default:
			return nil, fmt.Errorf("user data file %s: unsupported encoding %q", filePath, f.Encoding)
		}
	}
	return nil, fmt.Errorf("user data has no file %s", filePath)
}

// Mode returns the permissions of the file at filePath, 0600 when none are given.
func (f File) Mode() (uint32, error) {
	if f.Permissions == "" {
		return 0o600, nil
	}
	m, err := strconv.ParseUint(f.Permissions, 8, 32)
	if err != nil {
		return 0, fmt.Errorf("user data file %s: permissions %q are not octal", f.Path, f.Permissions)
	}
	return uint32(m), nil
}

func (c *CloudConfig) validate() error {
	var errs []error
	seen := map[string]bool{}
	for _, f := range c.WriteFiles {
		switch {
		case !path.IsAbs(f.Path) || path.Clean(f.Path) != f.Path:
			errs = append(errs, fmt.Errorf("user data file path %q must be absolute and clean", f.Path))
		case seen[f.Path]:
			errs = append(errs, fmt.Errorf("user data file %s is written twice", f.Path))
		}
		seen[f.Path] = true
		if _, err := f.Mode(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
