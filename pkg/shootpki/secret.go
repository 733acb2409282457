package shootpki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"maps"
	"net"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/hortus-dev/hortus/pkg/pki"
)

// maxAttempts bounds how often ensure reads a Secret again after a concurrent write.
const maxAttempts = 5

// ensurer writes the Secrets of one Ensure call.
type ensurer struct {
	c         client.Client
	namespace string
	// now is when stored certificates are checked for renewal.
	now time.Time
}

// desiredFunc returns the data that a Secret should hold, given the data it holds now
// (exists is false when there is no such Secret). Only the returned keys are compared
// and written; other keys are left alone. It is called again after a concurrent write.
type desiredFunc func(stored map[string][]byte, exists bool) (map[string][]byte, error)

// ensure makes the Secret name hold what desired returns and carry the labels: it creates
// the Secret when it is missing and updates it when it differs. When another writer
// created or changed it in between, it reads it again and asks desired again.
func (e *ensurer) ensure(ctx context.Context, name string, desired desiredFunc) error {
	key := client.ObjectKey{Namespace: e.namespace, Name: name}
	log := logf.FromContext(ctx).WithValues("secret", key)
	labels := map[string]string{LabelManagedBy: ManagedBy, LabelShootPKI: name}
	for range maxAttempts {
		secret := &corev1.Secret{}
		err := e.c.Get(ctx, key, secret)
		exists := err == nil
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("reading Secret %s: %w", key, err)
		}
		want, err := desired(secret.Data, exists)
		if err != nil {
			return err
		}

		if !exists {
			secret = &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name, Labels: labels},
				Type:       corev1.SecretTypeOpaque,
				Data:       want,
			}
			switch err := e.c.Create(ctx, secret); {
			case apierrors.IsAlreadyExists(err):
				log.V(1).Info("Secret was created concurrently, reading it again")
				continue
			case err != nil:
				return fmt.Errorf("creating Secret %s: %w", key, err)
			}
			log.Info("Created shoot PKI Secret")
			return nil
		}

		if hasData(secret.Data, want) && hasLabels(secret.Labels, labels) {
			return nil
		}
		if secret.Data == nil {
			secret.Data = make(map[string][]byte, len(want))
		}
		maps.Copy(secret.Data, want)
		if secret.Labels == nil {
			secret.Labels = make(map[string]string, len(labels))
		}
		maps.Copy(secret.Labels, labels)
		switch err := e.c.Update(ctx, secret); {
		case apierrors.IsConflict(err), apierrors.IsNotFound(err):
			log.V(1).Info("Secret was changed concurrently, reading it again")
			continue
		case err != nil:
			return fmt.Errorf("updating Secret %s: %w", key, err)
		}
		log.Info("Updated shoot PKI Secret")
		return nil
	}
	return fmt.Errorf("shoot PKI Secret %s was still being changed concurrently after %d attempts", key, maxAttempts)
}

// invalid returns the error for a Secret that must not be replaced; see ErrInvalidSecret.
func (e *ensurer) invalid(name string, err error, consequence string) error {
	key := client.ObjectKey{Namespace: e.namespace, Name: name}
	return fmt.Errorf("%w %s: %w (fix or delete it; deleting it creates a new one, and %s)",
		ErrInvalidSecret, key, err, consequence)
}

// ensureCA loads the CA stored in Secret name, or creates one called commonName.
func (e *ensurer) ensureCA(ctx context.Context, name, commonName string) (*pki.CertKeyPair, error) {
	var ca *pki.CertKeyPair
	err := e.ensure(ctx, name, func(stored map[string][]byte, exists bool) (map[string][]byte, error) {
		var err error
		if !exists {
			if ca, err = pki.NewCA(commonName, CAValidity); err != nil {
				return nil, fmt.Errorf("shoot PKI Secret %s/%s: %w", e.namespace, name, err)
			}
			return map[string][]byte{DataKeyCACert: ca.CertPEM, DataKeyCAKey: ca.KeyPEM}, nil
		}
		if ca, err = parseCA(stored); err != nil {
			return nil, e.invalid(name, err, "every certificate and kubeconfig signed by the old CA stops working")
		}
		return map[string][]byte{DataKeyCACert: ca.CertPEM, DataKeyCAKey: ca.KeyPEM}, nil
	})
	return ca, err
}

func parseCA(data map[string][]byte) (*pki.CertKeyPair, error) {
	ca, err := pki.ParseCertKeyPair(data[DataKeyCACert], data[DataKeyCAKey])
	if err != nil {
		return nil, fmt.Errorf("keys %s and %s: %w", DataKeyCACert, DataKeyCAKey, err)
	}
	if !ca.Cert.IsCA {
		return nil, fmt.Errorf("key %s: certificate %q is not a CA", DataKeyCACert, ca.Cert.Subject.CommonName)
	}
	return ca, nil
}

// ensureLeaf loads the certificate stored in Secret name while it is still good for cert
// and signed by ca, and otherwise issues a new one; see Ensure.
func (e *ensurer) ensureLeaf(ctx context.Context, name string, ca *pki.CertKeyPair, cert pki.CertConfig) (*pki.CertKeyPair, error) {
	log := logf.FromContext(ctx).WithValues("secret", client.ObjectKey{Namespace: e.namespace, Name: name})
	var leaf *pki.CertKeyPair
	err := e.ensure(ctx, name, func(stored map[string][]byte, exists bool) (map[string][]byte, error) {
		reason := "missing"
		if exists {
			p, err := pki.ParseCertKeyPair(stored[DataKeyCert], stored[DataKeyKey])
			if err != nil {
				reason = "unusable: " + err.Error()
			} else if reason = staleReason(p.Cert, ca.Cert, cert, e.now); reason == "" {
				leaf = p
				return map[string][]byte{DataKeyCert: p.CertPEM, DataKeyKey: p.KeyPEM, DataKeyCACert: ca.CertPEM}, nil
			}
		}
		log.Info("Issuing certificate", "reason", reason)
		var err error
		if leaf, err = ca.Issue(cert); err != nil {
			return nil, fmt.Errorf("shoot PKI Secret %s/%s: %w", e.namespace, name, err)
		}
		return map[string][]byte{DataKeyCert: leaf.CertPEM, DataKeyKey: leaf.KeyPEM, DataKeyCACert: ca.CertPEM}, nil
	})
	return leaf, err
}

// staleReason says why cert, which should have been signed by ca for want, must be issued
// again at now, or returns "" if it is still good. The checks are those of
// pki.LoadOrIssue: want's Validity and NotAfter are not compared.
func staleReason(cert, ca *x509.Certificate, want pki.CertConfig, now time.Time) string {
	ips := func(in []net.IP) []string {
		out := make([]string, 0, len(in))
		for _, ip := range in {
			out = append(out, ip.String())
		}
		return out
	}
	switch {
	case cert.CheckSignatureFrom(ca) != nil:
		return "not signed by the current CA"
	case now.Before(cert.NotBefore):
		return "not valid yet"
	case pki.NeedsRenewal(cert, now, pki.RenewalFraction):
		return "due for renewal"
	case cert.Subject.CommonName != want.CommonName || !sameSet(cert.Subject.Organization, want.Organization):
		return "subject changed"
	case !sameSet(cert.DNSNames, want.DNSNames) || !sameSet(ips(cert.IPAddresses), ips(want.IPAddresses)):
		return "subject alternative names changed"
	case slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageServerAuth) != want.Server ||
		slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageClientAuth) != want.Client:
		return "key usages changed"
	}
	return ""
}

// ensureServiceAccountKey loads or creates the service account key pair. Only the private
// key is authoritative: the stored public key is replaced by the one derived from it.
func (e *ensurer) ensureServiceAccountKey(ctx context.Context) (key, pub []byte, err error) {
	err = e.ensure(ctx, SecretServiceAccountKey, func(stored map[string][]byte, exists bool) (map[string][]byte, error) {
		var err error
		if !exists {
			if key, pub, err = pki.NewServiceAccountKey(); err != nil {
				return nil, fmt.Errorf("shoot PKI Secret %s/%s: %w", e.namespace, SecretServiceAccountKey, err)
			}
		} else {
			key = stored[DataKeyServiceAccountKey]
			if pub, err = publicKeyPEM(key); err != nil {
				return nil, e.invalid(SecretServiceAccountKey, fmt.Errorf("key %s: %w", DataKeyServiceAccountKey, err),
					"service account tokens signed with the old key stop working")
			}
		}
		return map[string][]byte{DataKeyServiceAccountKey: key, DataKeyServiceAccountPub: pub}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return key, pub, nil
}

// publicKeyPEM returns the PKIX PEM public key of the private key in keyPEM.
func publicKeyPEM(keyPEM []byte) ([]byte, error) {
	key, err := pki.ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		return nil, err
	}
	return encodePublicKey(key.Public())
}

func encodePublicKey(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encoding public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ensureEncryptionConfig loads or creates the etcd encryption configuration. A stored
// one is kept as it is while it is valid, whatever its providers and keys.
func (e *ensurer) ensureEncryptionConfig(ctx context.Context) ([]byte, error) {
	var config []byte
	err := e.ensure(ctx, SecretEtcdEncryptionKey, func(stored map[string][]byte, exists bool) (map[string][]byte, error) {
		var err error
		if !exists {
			if config, err = newEncryptionConfig(e.now); err != nil {
				return nil, fmt.Errorf("shoot PKI Secret %s/%s: %w", e.namespace, SecretEtcdEncryptionKey, err)
			}
		} else {
			config = stored[DataKeyEncryptionConfig]
			if err := validateEncryptionConfig(config); err != nil {
				return nil, e.invalid(SecretEtcdEncryptionKey, fmt.Errorf("key %s: %w", DataKeyEncryptionConfig, err),
					"data encrypted with the old key in etcd can no longer be read")
			}
		}
		return map[string][]byte{DataKeyEncryptionConfig: config}, nil
	})
	return config, err
}

// hasData reports whether data holds every key of want with the same value.
func hasData(data, want map[string][]byte) bool {
	for k, v := range want {
		if got, ok := data[k]; !ok || !bytes.Equal(got, v) {
			return false
		}
	}
	return true
}

// hasLabels reports whether labels holds every label of want.
func hasLabels(labels, want map[string]string) bool {
	for k, v := range want {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}
