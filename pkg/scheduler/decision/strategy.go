package decision

import (
	"fmt"

	"sigs.k8s.io/yaml"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
)

// otherProviderPenalty is added to the name distance of a seed whose provider type differs
// from the shoot's under MinimalDistance, as in Gardener: a seed of the shoot's provider wins
// unless the other provider's region name is more than one character closer.
const otherProviderPenalty = 2

// RegionDistances holds configured distances between regions: for each shoot region, the
// distance to each seed region. It mirrors the data of Gardener's region ConfigMaps (label
// scheduling.gardener.cloud/purpose=region-config), which map a shoot region to a YAML map
// of seed region to distance.
type RegionDistances map[string]map[string]int

// ParseRegionConfig parses the data of a Gardener region ConfigMap.
func ParseRegionConfig(data map[string]string) (RegionDistances, error) {
	d := make(RegionDistances, len(data))
	for region, distances := range data {
		m := map[string]int{}
		if err := yaml.UnmarshalStrict([]byte(distances), &m); err != nil {
			return nil, fmt.Errorf("distances from region %s: %w", region, err)
		}
		d[region] = m
	}
	return d, nil
}

func isTesting(shoot *gardencorev1beta1.Shoot) bool {
	return shoot.Spec.Purpose != nil && *shoot.Spec.Purpose == gardencorev1beta1.ShootPurposeTesting
}

// sameRegion keeps the candidates of the shoot's provider type in the shoot's region, and
// records why it drops the others in rejected. A testing shoot that has none of those may use
// every candidate, preferring the shoot's provider type.
func sameRegion(shoot *gardencorev1beta1.Shoot, candidates []*gardencorev1beta1.Seed, rejected map[string]string) []rankedSeed {
	inRegion := make([]rankedSeed, 0, len(candidates))
	for _, seed := range candidates {
		if seed.Spec.Provider.Type == shoot.Spec.Provider.Type && seed.Spec.Provider.Region == shoot.Spec.Region {
			inRegion = append(inRegion, rankedSeed{seed: seed})
		}
	}
	if len(inRegion) > 0 || !isTesting(shoot) {
		for _, seed := range candidates {
			switch {
			case seed.Spec.Provider.Type != shoot.Spec.Provider.Type:
				rejected[seed.Name] = fmt.Sprintf("provider type %s is not the shoot's %s (strategy SameRegion)", seed.Spec.Provider.Type, shoot.Spec.Provider.Type)
			case seed.Spec.Provider.Region != shoot.Spec.Region:
				rejected[seed.Name] = fmt.Sprintf("region %s is not the shoot's region %s (strategy SameRegion)", seed.Spec.Provider.Region, shoot.Spec.Region)
			}
		}
		return inRegion
	}

	all := make([]rankedSeed, 0, len(candidates))
	for _, seed := range candidates {
		r := rankedSeed{seed: seed}
		if seed.Spec.Provider.Type != shoot.Spec.Provider.Type {
			r.distance = 1
		}
		all = append(all, r)
	}
	return all
}

// minimalDistance ranks every candidate by its distance from the shoot's region. If distances
// lists the shoot's region, the candidates in regions it lists are ranked by the configured
// distance (the shoot's own region is 0 unless listed) and the rest are dropped. Otherwise,
// or if no candidate is in a listed region, candidates are ranked by how much their region
// names differ: the characters after the longest common prefix of both names, plus
// otherProviderPenalty for a seed of another provider type.
func minimalDistance(shoot *gardencorev1beta1.Shoot, candidates []*gardencorev1beta1.Seed, distances RegionDistances) []rankedSeed {
	ranked := make([]rankedSeed, 0, len(candidates))
	if table := distances[shoot.Spec.Region]; len(table) > 0 {
		for _, seed := range candidates {
			d, ok := table[seed.Spec.Provider.Region]
			if !ok && seed.Spec.Provider.Region == shoot.Spec.Region {
				d, ok = 0, true
			}
			if ok {
				ranked = append(ranked, rankedSeed{seed: seed, distance: d})
			}
		}
		if len(ranked) > 0 {
			return ranked
		}
	}
	for _, seed := range candidates {
		d := nameDistance(seed.Spec.Provider.Region, shoot.Spec.Region)
		if seed.Spec.Provider.Type != shoot.Spec.Provider.Type {
			d += otherProviderPenalty
		}
		ranked = append(ranked, rankedSeed{seed: seed, distance: d})
	}
	return ranked
}

// nameDistance is the number of bytes of a and b after their longest common prefix: 0 for
// equal names, and smaller the more leading characters the names share.
func nameDistance(a, b string) int {
	n := min(len(a), len(b))
	p := 0
	for p < n && a[p] == b[p] {
		p++
	}
	return len(a) + len(b) - 2*p
}
