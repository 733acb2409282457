//go:build tools

// Package tools records the code generators used by hack/update-codegen.sh so that
// go.mod pins their versions.
package tools

import (
	_ "k8s.io/kube-openapi/cmd/openapi-gen"
	_ "sigs.k8s.io/controller-tools/cmd/controller-gen"
)
