package shootpki_test

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/hortus-dev/hortus/pkg/shootpki"
)

// Ensure creates the PKI of a shoot as Secrets in its namespace in the seed; later calls
// load it from there.
func ExampleEnsure() {
	ctx := context.Background()
	seed := fake.NewClientBuilder().Build()
	cfg := shootpki.Config{
		Namespace:         "shoot--local--dev",
		ServiceCIDR:       "10.0.0.0/24",
		APIServerDNSNames: []string{"api.dev.local.example"},
	}

	p, err := shootpki.Ensure(ctx, seed, cfg)
	if err != nil {
		panic(err)
	}
	again, err := shootpki.Ensure(ctx, seed, cfg)
	if err != nil {
		panic(err)
	}

	var secrets corev1.SecretList
	if err := seed.List(ctx, &secrets, client.InNamespace(cfg.Namespace), client.HasLabels{shootpki.LabelShootPKI}); err != nil {
		panic(err)
	}
	fmt.Println("secrets:", len(secrets.Items))
	fmt.Println("kube-apiserver:", p.APIServer.Cert.DNSNames, p.APIServer.Cert.IPAddresses)
	fmt.Println("signed by the cluster CA:", p.APIServer.Verify(p.ClusterCA.Cert) == nil)
	fmt.Println("gardenlet:", p.Gardenlet.Cert.Subject.CommonName, p.Gardenlet.Cert.Subject.Organization)
	fmt.Println("reused:", string(again.APIServer.CertPEM) == string(p.APIServer.CertPEM))
	// Output:
	// secrets: 15
	// kube-apiserver: [localhost kubernetes kubernetes.default kubernetes.default.svc kubernetes.default.svc.cluster.local api.dev.local.example] [127.0.0.1 10.0.0.1]
	// signed by the cluster CA: true
	// gardenlet: hortus:gardenlet [system:masters]
	// reused: true
}
