// Package local holds the manifests of the local landscape that `hortus up` applies to
// its garden, embedded so that the hortus binary carries them.
package local

import (
	"embed"
	"encoding/base64"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/hortus-dev/hortus/charts"
)

// Manifests holds every *.yaml file of this directory.
//
//go:embed *.yaml
var Manifests embed.FS

// Applied lists, in order, the manifests that `hortus up` applies. The others are
// examples for users, such as shoot.yaml. The ControllerDeployment comes before the
// registration that refers to it.
var Applied = []string{
	"cloudprofile.yaml",
	"controllerdeployment.yaml",
	"controllerregistration.yaml",
	"project.yaml",
	"secret.yaml",
	"credentialsbinding.yaml",
}

// Settings are what a landscape's manifests need from the landscape.
type Settings struct {
	// BackupDir is where provider-local keeps the BackupBuckets of type local.
	BackupDir string
}

// Complete fills in what a manifest cannot say by itself: the ControllerDeployment
// provider-local gets the packaged chart charts/provider-local (helm.rawChart) and the
// backup directory (helm.values.backupDir). Other objects stay as they are.
func Complete(obj *unstructured.Unstructured, s Settings) error {
	if obj.GetKind() != "ControllerDeployment" || obj.GetName() != charts.ProviderLocalName {
		return nil
	}
	if s.BackupDir == "" {
		return fmt.Errorf("ControllerDeployment %s: the backup directory is not set", obj.GetName())
	}
	chart, err := charts.PackageProviderLocal()
	if err != nil {
		return fmt.Errorf("ControllerDeployment %s: %w", obj.GetName(), err)
	}
	if err := unstructured.SetNestedField(obj.Object, base64.StdEncoding.EncodeToString(chart), "helm", "rawChart"); err != nil {
		return err
	}
	return unstructured.SetNestedField(obj.Object, s.BackupDir, "helm", "values", "backupDir")
}
