package decision

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	schedulerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/scheduler/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
)

// ErrInvalidShoot marks errors caused by the shoot's own spec, such as an unparsable seed
// selector or CIDR. Retrying does not help until the spec changes.
var ErrInvalidShoot = errors.New("invalid shoot spec")

// Inputs holds everything besides the shoot and the seeds that a decision depends on. The
// caller resolves them; Decide does no I/O.
type Inputs struct {
	// CloudProfileSeedSelector is spec.seedSelector of the shoot's CloudProfile (for a
	// NamespacedCloudProfile, of its status.cloudProfileSpec). Nil selects seeds by no label
	// and allows only seeds of the shoot's provider type.
	CloudProfileSeedSelector *gardencorev1beta1.SeedSelector
	// Strategy ranks the seeds that pass every filter. Empty means SameRegion.
	Strategy schedulerconfigv1alpha1.CandidateDeterminationStrategy
	// RegionDistances configures the MinimalDistance strategy; nil falls back to comparing
	// region names.
	RegionDistances RegionDistances
	// ShootsPerSeed is the number of shoots already scheduled onto each seed, by seed name.
	// It bounds a seed's capacity and prefers the least loaded seed.
	ShootsPerSeed map[string]int
}

// Result is a successful decision.
type Result struct {
	// SeedName is the chosen seed.
	SeedName string
	// Rejected maps each seed that a rule excluded to the reason, for events and logs. Seeds
	// that passed every rule but lost on distance or load are not in it.
	Rejected map[string]string
}

// Decide chooses the seed for shoot among seeds. Seeds pass these filters in order, and the
// first one a seed fails is its rejection reason: ready (not deleting, visible, condition
// GardenletReady True), the cloud profile's and the shoot's seed selectors, provider type,
// taints, networks, zones and capacity. The strategy in Inputs then narrows the rest to the
// nearest ones, and of those the seed with the fewest shoots wins, ties going to the first
// name in lexical order.
//
// When no seed fits, the error is a *NoSeedError. Errors wrapping ErrInvalidShoot mean the
// shoot's spec cannot be scheduled as written; other errors come from the inputs.
func Decide(shoot *gardencorev1beta1.Shoot, seeds []gardencorev1beta1.Seed, in Inputs) (Result, error) {
	strategy := in.Strategy
	if strategy == "" {
		strategy = schedulerconfigv1alpha1.SameRegion
	}
	if !slices.Contains(schedulerconfigv1alpha1.Strategies, strategy) {
		return Result{}, fmt.Errorf("unknown candidate determination strategy %q, want one of %v", strategy, schedulerconfigv1alpha1.Strategies)
	}

	f, err := newFilter(shoot, in)
	if err != nil {
		return Result{}, err
	}

	rejected := make(map[string]string)
	candidates := make([]*gardencorev1beta1.Seed, 0, len(seeds))
	for i := range seeds {
		seed := &seeds[i]
		if reason := f.reject(seed); reason != "" {
			rejected[seed.Name] = reason
			continue
		}
		candidates = append(candidates, seed)
	}

	var ranked []rankedSeed
	switch strategy {
	case schedulerconfigv1alpha1.SameRegion:
		ranked = sameRegion(shoot, candidates, rejected)
	case schedulerconfigv1alpha1.MinimalDistance:
		ranked = minimalDistance(shoot, candidates, in.RegionDistances)
	}
	if len(ranked) == 0 {
		return Result{}, newNoSeedError(len(seeds), rejected)
	}

	best := slices.MinFunc(ranked, func(a, b rankedSeed) int {
		return cmp.Or(
			cmp.Compare(a.distance, b.distance),
			cmp.Compare(in.ShootsPerSeed[a.seed.Name], in.ShootsPerSeed[b.seed.Name]),
			cmp.Compare(a.seed.Name, b.seed.Name),
		)
	})
	return Result{SeedName: best.seed.Name, Rejected: rejected}, nil
}

// rankedSeed is a candidate with its distance from the shoot under the strategy; smaller is
// better.
type rankedSeed struct {
	seed     *gardencorev1beta1.Seed
	distance int
}
