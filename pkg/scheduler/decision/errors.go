package decision

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Rejection is why one seed cannot host a shoot.
type Rejection struct {
	Seed   string
	Reason string
}

// NoSeedError is returned by Decide when no seed can host the shoot. It names every seed with
// the reason the seed was rejected, so that the shoot's owner or the garden's operator can
// act on it.
type NoSeedError struct {
	// Seeds is the number of seeds considered.
	Seeds int
	// Rejections holds one entry per seed, sorted by seed name.
	Rejections []Rejection
}

func newNoSeedError(seeds int, rejected map[string]string) *NoSeedError {
	e := &NoSeedError{Seeds: seeds, Rejections: make([]Rejection, 0, len(rejected))}
	for seed, reason := range rejected {
		e.Rejections = append(e.Rejections, Rejection{Seed: seed, Reason: reason})
	}
	slices.SortFunc(e.Rejections, func(a, b Rejection) int { return cmp.Compare(a.Seed, b.Seed) })
	return e
}

// Error reads like "0/3 seeds are available: seed-a: not ready (GardenletReady is Unknown);
// seed-b: taint x not tolerated; seed-c: full (10 of 10 allocatable shoots scheduled)".
func (e *NoSeedError) Error() string {
	if e.Seeds == 0 {
		return "0/0 seeds are available: no seeds are registered"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "0/%d seeds are available: ", e.Seeds)
	for i, r := range e.Rejections {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(r.Seed)
		b.WriteString(": ")
		b.WriteString(r.Reason)
	}
	return b.String()
}
