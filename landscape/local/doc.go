// Package local holds the manifests of the local landscape that `hortus up` applies to
// its garden, embedded so that the hortus binary carries them.
package local

import "embed"

// Manifests holds every *.yaml file of this directory.
//
//go:embed *.yaml
var Manifests embed.FS

// Applied lists, in order, the manifests that `hortus up` applies. The others are
// examples for users, such as shoot.yaml.
var Applied = []string{
	"cloudprofile.yaml",
	"controllerregistration.yaml",
	"project.yaml",
	"secret.yaml",
	"credentialsbinding.yaml",
}
