package controller

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Type is the extension type that every provider-local controller reconciles: objects
// whose spec.type is "local".
const Type = "local"

// Options configure the registration of one provider-local controller.
type Options struct {
	// MaxConcurrentReconciles bounds the parallel reconciles of the controller; zero
	// means controller-runtime's default of one.
	MaxConcurrentReconciles int
	// Clock is the controller's clock; nil means the real clock.
	Clock clock.Clock
}

// Finalizer returns the finalizer that the controller of the given extension kind
// (such as "Infrastructure") puts on the objects it reconciles.
func Finalizer(kind string) string {
	return "extensions.gardener.cloud/" + strings.ToLower(kind)
}

// ControllerName returns the controller name of a provider-local controller for kind.
func ControllerName(kind string) string {
	return "local-" + strings.ToLower(kind)
}

// PatchStatus applies mutate to obj and writes the difference to obj's status
// subresource with a merge patch. obj is updated from the response, so that the generic
// reconciler that called the actuator continues with the current resourceVersion.
func PatchStatus[T client.Object](ctx context.Context, c client.Client, obj T, mutate func(T)) error {
	before := obj.DeepCopyObject().(client.Object)
	mutate(obj)
	if err := c.Status().Patch(ctx, obj, client.MergeFrom(before)); err != nil {
		return fmt.Errorf("writing the status of %s: %w", client.ObjectKeyFromObject(obj), err)
	}
	return nil
}
