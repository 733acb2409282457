package controller

import (
	"context"
	"fmt"

	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
)

// SeedNameIndex names the index that ShootSchedulers add to the Shoot informer of their
// manager's cache: a shoot's spec.seedName, and its status.seedName while it migrates to
// another seed.
const SeedNameIndex = "hortus.seedName"

// ShootCounter counts the shoots on each seed. Like Gardener, a shoot counts on its
// spec.seedName, and also on its status.seedName while it migrates away from that seed,
// since it occupies both.
type ShootCounter interface {
	// ShootsPerSeed returns the number of shoots by seed name; seeds without shoots may be
	// missing.
	ShootsPerSeed(ctx context.Context) (map[string]int, error)
}

// ListCounter counts by listing every shoot. It works with any reader, at a cost linear in
// the number of shoots.
type ListCounter struct {
	Reader client.Reader
}

// ShootsPerSeed implements ShootCounter.
func (c ListCounter) ShootsPerSeed(ctx context.Context) (map[string]int, error) {
	shoots := &gardencorev1beta1.ShootList{}
	// Only the seed names are read, so a shared, uncopied list is safe.
	if err := c.Reader.List(ctx, shoots, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing shoots: %w", err)
	}
	usage := make(map[string]int)
	for i := range shoots.Items {
		for _, seed := range seedNames(&shoots.Items[i]) {
			usage[seed]++
		}
	}
	return usage, nil
}

// IndexCounter counts with the SeedNameIndex of an informer's indexer, at a cost linear in
// the number of seeds.
type IndexCounter struct {
	Indexer toolscache.Indexer
}

// ShootsPerSeed implements ShootCounter.
func (c IndexCounter) ShootsPerSeed(context.Context) (map[string]int, error) {
	seeds := c.Indexer.ListIndexFuncValues(SeedNameIndex)
	usage := make(map[string]int, len(seeds))
	for _, seed := range seeds {
		keys, err := c.Indexer.IndexKeys(SeedNameIndex, seed)
		if err != nil {
			return nil, fmt.Errorf("counting shoots on seed %s: %w", seed, err)
		}
		if len(keys) > 0 {
			usage[seed] = len(keys)
		}
	}
	return usage, nil
}

// SeedNameIndexers returns the informer indexers that IndexCounter needs.
func SeedNameIndexers() toolscache.Indexers {
	return toolscache.Indexers{SeedNameIndex: func(obj any) ([]string, error) {
		shoot, ok := obj.(*gardencorev1beta1.Shoot)
		if !ok {
			return nil, nil
		}
		return seedNames(shoot), nil
	}}
}

// seedNames returns the seeds that shoot occupies.
func seedNames(shoot *gardencorev1beta1.Shoot) []string {
	spec, status := ptr.Deref(shoot.Spec.SeedName, ""), ptr.Deref(shoot.Status.SeedName, "")
	switch {
	case spec == "" && status == "":
		return nil
	case spec == "":
		return []string{status}
	case status == "" || status == spec:
		return []string{spec}
	default:
		return []string{spec, status}
	}
}
