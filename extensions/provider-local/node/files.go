package node

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	"sigs.k8s.io/yaml"

	"github.com/hortus-dev/hortus/extensions/provider-local/userdata"
)

// Files the node writes itself, below Options.RootDir, where a kubelet keeps them.
const (
	// ClientCertPath holds the node's client certificate and its key, both PEM.
	ClientCertPath = "/var/lib/kubelet/pki/kubelet-client-current.pem"
	// KubeconfigPath is the node's kubeconfig: the API server of the bootstrap kubeconfig
	// and ClientCertPath.
	KubeconfigPath = "/var/lib/kubelet/kubeconfig"
	// bootstrapKeyPath holds the private key of a pending CSR, so that a restarted
	// process finds the same CSR again instead of submitting another.
	bootstrapKeyPath = "/var/lib/kubelet/pki/kubelet-client.key.tmp"
)

// onDisk returns the host path of a machine path below root.
func onDisk(root, machinePath string) string {
	return filepath.Join(root, filepath.FromSlash(path.Clean("/"+machinePath)))
}

// writeUserData parses the #cloud-config and writes its files below root with their
// modes. Files that already hold the content are left alone.
func writeUserData(root string, data []byte) (*userdata.CloudConfig, error) {
	cc, err := userdata.Parse(data)
	if err != nil {
		return nil, err
	}
	for _, f := range cc.WriteFiles {
		content, err := cc.Content(f.Path)
		if err != nil {
			return nil, err
		}
		mode, err := f.Mode()
		if err != nil {
			return nil, err
		}
		if err := writeFileAtomic(onDisk(root, f.Path), content, fs.FileMode(mode)); err != nil {
			return nil, fmt.Errorf("writing user data file %s: %w", f.Path, err)
		}
	}
	return cc, nil
}

// writeFileAtomic replaces the file at p with data through a rename, creating its
// directory.
func writeFileAtomic(p string, data []byte, mode fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), mode)); err != nil {
		return errors.Join(err, os.Remove(tmp.Name()))
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return errors.Join(err, os.Remove(tmp.Name()))
	}
	return nil
}

// kubeletConfig reads the KubeletConfiguration of the user data; an empty one when the
// user data has none.
func kubeletConfig(cc *userdata.CloudConfig) (*kubeletv1beta1.KubeletConfiguration, error) {
	kc := &kubeletv1beta1.KubeletConfiguration{}
	if !hasFile(cc, userdata.KubeletConfigPath) {
		return kc, nil
	}
	data, err := cc.Content(userdata.KubeletConfigPath)
	if err != nil {
		return nil, err
	}
	if err := yaml.Unmarshal(data, kc); err != nil {
		return nil, fmt.Errorf("kubelet configuration %s: %w", userdata.KubeletConfigPath, err)
	}
	if gvk := kc.GroupVersionKind(); gvk != kubeletv1beta1.SchemeGroupVersion.WithKind("KubeletConfiguration") {
		return nil, fmt.Errorf("kubelet configuration %s is a %s, want kubelet.config.k8s.io/v1beta1 KubeletConfiguration", userdata.KubeletConfigPath, gvk)
	}
	return kc, nil
}

// kubeletVersion reads the kubelet's version from the user data, such as v1.33.2; empty
// when the user data has none (user data of an older provider-local).
func kubeletVersion(cc *userdata.CloudConfig) (string, error) {
	if !hasFile(cc, userdata.KubeletVersionPath) {
		return "", nil
	}
	data, err := cc.Content(userdata.KubeletVersionPath)
	if err != nil {
		return "", err
	}
	v := strings.TrimSpace(string(data))
	if _, err := version.ParseSemantic(v); err != nil {
		return "", fmt.Errorf("kubelet version %s: %q is not a semantic version: %w", userdata.KubeletVersionPath, v, err)
	}
	return v, nil
}

func hasFile(cc *userdata.CloudConfig, p string) bool {
	for _, f := range cc.WriteFiles {
		if f.Path == p {
			return true
		}
	}
	return false
}

// bootstrapConfig reads the bootstrap kubeconfig of the user data. File paths in it (such
// as certificate-authority: /var/lib/kubelet/ca.crt) are machine paths, found below root.
func bootstrapConfig(root string, cc *userdata.CloudConfig) (*rest.Config, error) {
	data, err := cc.Content(userdata.BootstrapKubeconfigPath)
	if err != nil {
		return nil, fmt.Errorf("%w: a machine needs its bootstrap kubeconfig to join", err)
	}
	kc, err := clientcmd.Load(data)
	if err != nil {
		return nil, fmt.Errorf("bootstrap kubeconfig %s: %w", userdata.BootstrapKubeconfigPath, err)
	}
	for _, c := range kc.Clusters {
		if c.CertificateAuthority != "" && path.IsAbs(c.CertificateAuthority) {
			c.CertificateAuthority = onDisk(root, c.CertificateAuthority)
		}
	}
	for _, a := range kc.AuthInfos {
		if a.TokenFile != "" && path.IsAbs(a.TokenFile) {
			a.TokenFile = onDisk(root, a.TokenFile)
		}
	}
	cfg, err := clientcmd.NewDefaultClientConfig(*kc, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("bootstrap kubeconfig %s: %w", userdata.BootstrapKubeconfigPath, err)
	}
	if len(cfg.CAData) == 0 && cfg.CAFile != "" {
		if cfg.CAData, err = os.ReadFile(cfg.CAFile); err != nil {
			return nil, fmt.Errorf("bootstrap kubeconfig %s: %w", userdata.BootstrapKubeconfigPath, err)
		}
		cfg.CAFile = ""
	}
	return cfg, nil
}
