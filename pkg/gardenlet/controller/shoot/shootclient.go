package shoot

import (
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/shootpki"
)

// newShootClient returns a client of the shoot's kube-apiserver at url that authenticates
// with the gardenlet's certificate from the shoot's PKI.
func newShootClient(url string, p *shootpki.PKI) (client.Client, error) {
	return client.New(&rest.Config{
		Host: url,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   p.ClusterCA.CertPEM,
			CertData: p.Gardenlet.CertPEM,
			KeyData:  p.Gardenlet.KeyPEM,
		},
		QPS: 50, Burst: 100,
	}, client.Options{})
}
