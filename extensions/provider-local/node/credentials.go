package node

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/go-logr/logr"
	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	certutil "k8s.io/client-go/util/cert"
	"k8s.io/client-go/util/certificate/csr"
	"k8s.io/client-go/util/keyutil"
	"k8s.io/utils/clock"
)

// renewAfter is the part of its lifetime after which the node renews its client
// certificate, with its own credentials.
const renewAfter = 0.8

// kubeletClientUsages are the usages the CSR approver accepts for kubelet client
// certificates with an ECDSA key.
var kubeletClientUsages = []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageClientAuth}

// credentials keeps the node's client certificate below root and gets it signed through
// CertificateSigningRequests, as a kubelet's TLS bootstrapping does.
type credentials struct {
	root     string
	nodeName string
	clock    clock.PassiveClock
	// server is the API server and caData its CA, from the bootstrap kubeconfig.
	server string
	caData []byte
}

// userName is the identity of the node's client certificate.
func (c *credentials) userName() string { return "system:node:" + c.nodeName }

// current returns the stored client certificate when it belongs to the node and is valid
// now.
func (c *credentials) current() (*x509.Certificate, error) {
	data, err := os.ReadFile(onDisk(c.root, ClientCertPath))
	if err != nil {
		return nil, err
	}
	pair, err := tls.X509KeyPair(data, data)
	if err != nil {
		return nil, fmt.Errorf("client certificate %s: %w", ClientCertPath, err)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("client certificate %s: %w", ClientCertPath, err)
	}
	now := c.clock.Now()
	switch {
	case cert.Subject.CommonName != c.userName() || !slices.Contains(cert.Subject.Organization, NodesGroup):
		return nil, fmt.Errorf("client certificate %s is for %s %v, not %s", ClientCertPath, cert.Subject.CommonName, cert.Subject.Organization, c.userName())
	case now.Before(cert.NotBefore) || !now.Before(cert.NotAfter):
		return nil, fmt.Errorf("client certificate %s is valid from %s to %s, not now", ClientCertPath, cert.NotBefore, cert.NotAfter)
	}
	return cert, nil
}

// renewalDue tells whether cert has lived the renewAfter part of its lifetime.
func (c *credentials) renewalDue(cert *x509.Certificate) bool {
	lifetime := cert.NotAfter.Sub(cert.NotBefore)
	return !c.clock.Now().Before(cert.NotBefore.Add(time.Duration(float64(lifetime) * renewAfter)))
}

// ensure makes sure a valid client certificate and the node kubeconfig exist. Without a
// valid certificate it bootstraps with the client newBootstrapClient returns; a
// certificate due for renewal is renewed with the node's own credentials (when that
// fails the current one is kept). It reports whether it requested a certificate.
func (c *credentials) ensure(ctx context.Context, log logr.Logger, newBootstrapClient func() (kubernetes.Interface, error)) (bool, error) {
	cert, err := c.current()
	switch {
	case err == nil && !c.renewalDue(cert):
		return false, c.writeKubeconfig()
	case err == nil:
		if err := c.writeKubeconfig(); err != nil {
			return false, err
		}
		client, err := c.nodeClient()
		if err == nil {
			err = c.request(ctx, log, client)
		}
		if err != nil {
			log.Error(err, "Could not renew the client certificate, keeping the current one", "notAfter", cert.NotAfter)
		}
		return true, nil
	case !errors.Is(err, os.ErrNotExist):
		log.Info("Stored client certificate is unusable, bootstrapping again", "reason", err.Error())
	}
	client, err := newBootstrapClient()
	if err != nil {
		return false, err
	}
	if err := c.request(ctx, log, client); err != nil {
		return true, err
	}
	return true, c.writeKubeconfig()
}

// forget removes the stored client certificate, so that ensure bootstraps again.
func (c *credentials) forget() error {
	err := os.Remove(onDisk(c.root, ClientCertPath))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// request gets a client certificate signed through a CSR that client submits, and
// stores it with its key. The key of a pending request is kept on disk and names the CSR,
// so that a restarted node waits for the same CSR.
func (c *credentials) request(ctx context.Context, log logr.Logger, client kubernetes.Interface) error {
	keyPEM, _, err := keyutil.LoadOrGenerateKeyFile(onDisk(c.root, bootstrapKeyPath))
	if err != nil {
		return fmt.Errorf("private key for the node's client certificate: %w", err)
	}
	key, err := keyutil.ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		return fmt.Errorf("private key %s: %w (remove it to start over)", bootstrapKeyPath, err)
	}
	subject := &pkix.Name{CommonName: c.userName(), Organization: []string{NodesGroup}}
	csrPEM, err := certutil.MakeCSR(key, subject, nil, nil)
	if err != nil {
		return fmt.Errorf("making the certificate signing request: %w", err)
	}
	name, err := csrName(key, subject)
	if err != nil {
		return err
	}
	reqName, reqUID, err := csr.RequestCertificateWithContext(ctx, client, csrPEM, name, certificatesv1.KubeAPIServerClientKubeletSignerName, nil, kubeletClientUsages, key)
	if err != nil {
		return fmt.Errorf("submitting the certificate signing request %s: %w", name, err)
	}
	log.Info("Waiting for the client certificate", "csr", reqName)
	certPEM, err := csr.WaitForCertificate(ctx, client, reqName, reqUID)
	if err != nil {
		return fmt.Errorf("waiting for certificate signing request %s to be approved and signed (the kube-controller-manager approves it when the requester may create certificatesigningrequests/nodeclient, and signs it with --cluster-signing-cert-file): %w", reqName, err)
	}
	if _, err := certutil.ParseCertsPEM(certPEM); err != nil {
		return fmt.Errorf("certificate of certificate signing request %s: %w", reqName, err)
	}
	if err := writeFileAtomic(onDisk(c.root, ClientCertPath), append(certPEM, keyPEM...), 0o600); err != nil {
		return fmt.Errorf("storing the client certificate: %w", err)
	}
	if err := os.Remove(onDisk(c.root, bootstrapKeyPath)); err != nil {
		return fmt.Errorf("removing the key of the finished request: %w", err)
	}
	log.Info("Stored the client certificate", "csr", reqName, "path", ClientCertPath)
	return nil
}

// csrName derives the CSR's name from the public key and subject, like a kubelet does.
func csrName(key any, subject *pkix.Name) (string, error) {
	signer, ok := key.(crypto.Signer)
	if !ok {
		return "", fmt.Errorf("private key of type %T cannot sign", key)
	}
	pub, err := x509.MarshalPKIXPublicKey(signer.Public())
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write(pub)
	h.Write([]byte(subject.CommonName))
	for _, o := range subject.Organization {
		h.Write([]byte{0})
		h.Write([]byte(o))
	}
	return "node-csr-" + hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// writeKubeconfig writes the node's kubeconfig, which names the certificate file: the
// client reloads it after a renewal.
func (c *credentials) writeKubeconfig() error {
	certFile := onDisk(c.root, ClientCertPath)
	kc := clientcmdapi.NewConfig()
	kc.Clusters["default-cluster"] = &clientcmdapi.Cluster{Server: c.server, CertificateAuthorityData: c.caData}
	kc.AuthInfos["default-auth"] = &clientcmdapi.AuthInfo{ClientCertificate: certFile, ClientKey: certFile}
	kc.Contexts["default-context"] = &clientcmdapi.Context{Cluster: "default-cluster", AuthInfo: "default-auth"}
	kc.CurrentContext = "default-context"
	data, err := clientcmd.Write(*kc)
	if err != nil {
		return err
	}
	p := onDisk(c.root, KubeconfigPath)
	if old, err := os.ReadFile(p); err == nil && string(old) == string(data) {
		return nil
	}
	if err := writeFileAtomic(p, data, 0o600); err != nil {
		return fmt.Errorf("writing the node kubeconfig: %w", err)
	}
	return nil
}

// restConfig is the node's client configuration, with Protocol Buffers on the wire.
func (c *credentials) restConfig() (*rest.Config, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", onDisk(c.root, KubeconfigPath))
	if err != nil {
		return nil, fmt.Errorf("node kubeconfig: %w", err)
	}
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	cfg.UserAgent = "hortus-simulated-node/" + c.nodeName
	cfg.QPS, cfg.Burst = 20, 40
	return cfg, nil
}

func (c *credentials) nodeClient() (kubernetes.Interface, error) {
	cfg, err := c.restConfig()
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(cfg)
}
