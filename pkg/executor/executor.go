package executor

import (
	"context"

	"github.com/hortus-dev/hortus/pkg/component"
)

// Executor runs sets of components. Implementations are level-triggered: Deploy on a set
// that already runs adopts what matches its description and replaces what does not.
type Executor interface {
	// Deploy brings the set to its description. It starts or adopts every component in
	// dependency order, replaces components whose description changed, stops components
	// that left the set, and returns once every component is ready. A component that does
	// not become ready in time fails Deploy with an error that names it.
	Deploy(ctx context.Context, set component.Set) error
	// Stop stops every component of the named set in reverse dependency order and keeps
	// its state (data, files, logs), so that a later Deploy resumes it.
	Stop(ctx context.Context, set string) error
	// Delete stops the named set and removes all of its state.
	Delete(ctx context.Context, set string) error
	// Status reports the components of the named set in the order they were deployed.
	Status(ctx context.Context, set string) ([]component.Status, error)
}
