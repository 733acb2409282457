package registry

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
)

// WarningsOnCreate returns the warnings that a create of obj (an internal object of any
// served kind) sends back in Warning headers. Every strategy calls it.
//
// This is the seam for "accepted but not acted on" warnings: where Hortus accepts a field
// of Gardener's schema that it does not implement, the warning that says so is added here,
// per kind. Today there are none.
func WarningsOnCreate(_ context.Context, _ runtime.Object) []string {
	return nil
}

// WarningsOnUpdate is WarningsOnCreate for an update from old to obj.
func WarningsOnUpdate(_ context.Context, _, _ runtime.Object) []string {
	return nil
}
