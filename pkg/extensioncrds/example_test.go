package extensioncrds_test

import (
	"context"
	"fmt"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/extensioncrds"
)

// A gardenlet installs the extension CRDs into its seed cluster before it creates any
// extension resource there, bounding the wait for them to be established.
func ExampleInstall() {
	var seedConfig *rest.Config // the seed cluster's admin configuration
	c, err := client.New(seedConfig, client.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := extensioncrds.Install(ctx, c); err != nil {
		fmt.Println(err)
	}
}

func ExampleCRDs() {
	crds, err := extensioncrds.CRDs()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(crds[0].Name, crds[0].Spec.Versions[0].Name)
	// Output: backupbuckets.extensions.gardener.cloud v1alpha1
}
