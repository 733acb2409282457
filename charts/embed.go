package charts

import (
	"embed"
	"io/fs"

	"github.com/hortus-dev/hortus/pkg/helmchart"
)

// files holds the charts of this directory.
//
//go:embed all:provider-local
var files embed.FS

// ProviderLocalName is the directory and name of the provider-local chart.
const ProviderLocalName = "provider-local"

// ProviderLocal returns the files of the provider-local chart, rooted at the chart's
// directory (Chart.yaml, values.yaml, templates/…).
func ProviderLocal() fs.FS {
	sub, err := fs.Sub(files, ProviderLocalName)
	if err != nil {
		// The directory is embedded above; fs.Sub fails only on an invalid name.
		panic(err)
	}
	return sub
}

// PackageProviderLocal returns the provider-local chart as a chart archive (.tgz), as a
// ControllerDeployment's helm.rawChart carries it.
func PackageProviderLocal() ([]byte, error) {
	return helmchart.Package(files, ProviderLocalName)
}
