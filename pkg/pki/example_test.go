package pki_test

import (
	"fmt"
	"net"
	"time"

	"github.com/hortus-dev/hortus/pkg/pki"
)

// A cluster CA issues a serving certificate for kube-apiserver, which verifies against
// that CA only.
func ExampleNewCA() {
	ca, err := pki.NewCA("hortus-cluster-ca", 10*365*24*time.Hour)
	if err != nil {
		panic(err)
	}
	server, err := ca.Issue(pki.CertConfig{
		CommonName:  "kube-apiserver",
		DNSNames:    []string{"kube-apiserver", "localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		Server:      true,
	})
	if err != nil {
		panic(err)
	}
	other, err := pki.NewCA("some-other-ca", time.Hour)
	if err != nil {
		panic(err)
	}

	fmt.Println("CA:", ca.Cert.Subject.CommonName, "isCA:", ca.Cert.IsCA)
	fmt.Println("server:", server.Cert.Subject.CommonName, server.Cert.DNSNames, server.Cert.IPAddresses)
	fmt.Println("issued by:", server.Cert.Issuer.CommonName)
	fmt.Println("verifies against CA:", server.Verify(ca.Cert) == nil)
	fmt.Println("verifies against other CA:", server.Verify(other.Cert) == nil)
	// Output:
	// CA: hortus-cluster-ca isCA: true
	// server: kube-apiserver [kube-apiserver localhost] [127.0.0.1]
	// issued by: hortus-cluster-ca
	// verifies against CA: true
	// verifies against other CA: false
}

// A kubeconfig with a bearer token and no CA renders to stable YAML.
func ExampleKubeconfig_Bytes() {
	data, err := pki.Kubeconfig{
		ClusterName: "shoot--dev",
		Server:      "https://127.0.0.1:6443",
		UserName:    "admin",
		Token:       "example-token",
	}.Bytes()
	if err != nil {
		panic(err)
	}
	fmt.Print(string(data))
	// Output:
	// apiVersion: v1
	// clusters:
	// - cluster:
	//     server: https://127.0.0.1:6443
	//   name: shoot--dev
	// contexts:
	// - context:
	//     cluster: shoot--dev
	//     user: admin
	//   name: shoot--dev
	// current-context: shoot--dev
	// kind: Config
	// users:
	// - name: admin
	//   user:
	//     token: example-token
}
