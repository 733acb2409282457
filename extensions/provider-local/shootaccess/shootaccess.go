package shootaccess

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// SecretName is the Secret in a shoot's seed namespace whose kubeconfig reaches the
// shoot's kube-apiserver, as in Gardener.
const SecretName = "gardener"

// KubeconfigKey is the key of the kubeconfig in that Secret.
const KubeconfigKey = "kubeconfig"

// ErrNotFound is returned (wrapped) when the seed namespace has no Secret gardener yet.
var ErrNotFound = errors.New("no Secret " + SecretName + " with the shoot's kubeconfig")

// Access is how to reach one shoot's kube-apiserver.
type Access struct {
	// Config is a client configuration for the shoot's kube-apiserver.
	Config *rest.Config
	// Server is the kube-apiserver's URL, as machines use it.
	Server string
	// CAData is the PEM bundle of the shoot's cluster CA.
	CAData []byte
}

// Get reads the Secret gardener in namespace. The error wraps ErrNotFound when the
// Secret does not exist.
func Get(ctx context.Context, c client.Reader, namespace string) (*Access, error) {
	secret := &corev1.Secret{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: SecretName}, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("namespace %s: %w; the gardenlet writes it once the shoot's kube-apiserver runs", namespace, ErrNotFound)
		}
		return nil, fmt.Errorf("reading Secret %s/%s: %w", namespace, SecretName, err)
	}
	return FromKubeconfig(secret.Data[KubeconfigKey])
}

// FromKubeconfig builds an Access from a kubeconfig's current context. The kubeconfig must
// carry its CA inline (certificate-authority-data): machines get a copy of it.
func FromKubeconfig(kubeconfig []byte) (*Access, error) {
	if len(kubeconfig) == 0 {
		return nil, fmt.Errorf("the Secret %s has no %s: the gardenlet writes the shoot's kubeconfig there", SecretName, KubeconfigKey)
	}
	cc, err := clientcmd.NewClientConfigFromBytes(kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("parsing the kubeconfig of Secret %s: %w", SecretName, err)
	}
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("the kubeconfig of Secret %s is unusable: %w", SecretName, err)
	}
	if len(cfg.CAData) == 0 {
		return nil, fmt.Errorf("the kubeconfig of Secret %s has no certificate-authority-data; machines need the shoot's CA inline", SecretName)
	}
	return &Access{Config: cfg, Server: cfg.Host, CAData: cfg.CAData}, nil
}
