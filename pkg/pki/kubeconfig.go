package pki

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Kubeconfig describes a kubeconfig with a single cluster, user and context, with all
// credentials embedded.
type Kubeconfig struct {
	// ClusterName names the cluster and the context. Empty means "default".
	ClusterName string
	// Server is the URL of the kube-apiserver. Required.
	Server string
	// CAPEM is the CA bundle that verifies the server's certificate.
	CAPEM []byte
	// UserName names the user entry. Empty means "user".
	UserName string
	// ClientCertPEM and ClientKeyPEM authenticate with a client certificate; both or
	// neither must be set.
	ClientCertPEM, ClientKeyPEM []byte
	// Token authenticates with a bearer token.
	Token string
}

// Bytes renders k as kubeconfig YAML with the context selected as current-context.
func (k Kubeconfig) Bytes() ([]byte, error) {
	cluster := k.ClusterName
	if cluster == "" {
		cluster = "default"
	}
	user := k.UserName
	if user == "" {
		user = "user"
	}
	if (len(k.ClientCertPEM) == 0) != (len(k.ClientKeyPEM) == 0) {
		return nil, fmt.Errorf("kubeconfig for cluster %q: client certificate and key must be set together", cluster)
	}

	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[cluster] = &clientcmdapi.Cluster{
		Server:                   k.Server,
		CertificateAuthorityData: k.CAPEM,
	}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{
		ClientCertificateData: k.ClientCertPEM,
		ClientKeyData:         k.ClientKeyPEM,
		Token:                 k.Token,
	}
	cfg.Contexts[cluster] = &clientcmdapi.Context{
		Cluster:  cluster,
		AuthInfo: user,
	}
	cfg.CurrentContext = cluster

	if err := clientcmd.Validate(*cfg); err != nil {
		return nil, fmt.Errorf("kubeconfig for cluster %q: %w", cluster, err)
	}
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("encoding kubeconfig for cluster %q: %w", cluster, err)
	}
	return data, nil
}

// WriteFile writes k to path atomically with mode 0600, creating the parent directory
// with mode 0700 if needed.
func (k Kubeconfig) WriteFile(path string) error {
	if path == "" {
		return errors.New("writing kubeconfig: empty path")
	}
	data, err := k.Bytes()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), dirMode); err != nil {
		return fmt.Errorf("creating directory for kubeconfig %s: %w", path, err)
	}
	if err := writeFileAtomic(path, data, keyMode); err != nil {
		return fmt.Errorf("writing kubeconfig %s: %w", path, err)
	}
	return nil
}
