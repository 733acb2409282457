package controllerinstallation

import (
	"encoding/json"
	"fmt"
	"maps"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
)

// Identity is what the gardenlet knows about itself and the garden, for the values it
// injects into every chart.
type Identity struct {
	// Version is the gardenlet's version (gardener.version).
	Version string
	// GardenClusterIdentity is the garden's cluster identity
	// (gardener.garden.clusterIdentity); left out when empty.
	GardenClusterIdentity string
	// FeatureGates are the gardenlet's feature gates (gardener.gardenlet.featureGates).
	FeatureGates map[string]bool
}

// InjectedValues returns the values the gardenlet mixes into every chart, as Gardener's
// gardenlet does: gardener.version, gardener.garden.clusterIdentity,
// gardener.seed.{name, clusterIdentity, provider, region, labels, annotations, spec} and
// gardener.gardenlet.featureGates. Every value is plain JSON data (maps, slices, strings,
// float64 numbers and bools), as templates expect.
func InjectedValues(seed *gardencorev1beta1.Seed, id Identity) (map[string]any, error) {
	garden := map[string]any{}
	if id.GardenClusterIdentity != "" {
		garden["clusterIdentity"] = id.GardenClusterIdentity
	}
	seedValues := map[string]any{
		"name":        seed.Name,
		"provider":    seed.Spec.Provider.Type,
		"region":      seed.Spec.Provider.Region,
		"labels":      seed.Labels,
		"annotations": seed.Annotations,
		"spec":        seed.Spec,
	}
	if seed.Status.ClusterIdentity != nil {
		seedValues["clusterIdentity"] = *seed.Status.ClusterIdentity
	}
	featureGates := id.FeatureGates
	if featureGates == nil {
		featureGates = map[string]bool{}
	}
	values := map[string]any{
		"gardener": map[string]any{
			"version":   id.Version,
			"garden":    garden,
			"seed":      seedValues,
			"gardenlet": map[string]any{"featureGates": featureGates},
		},
	}
	// A JSON round trip turns the typed parts (the seed's spec) into the plain data that
	// Helm coalesces with the chart's values.
	b, err := json.Marshal(values)
	if err != nil {
		return nil, fmt.Errorf("encoding the injected values: %w", err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("decoding the injected values: %w", err)
	}
	return out, nil
}

// MergeValues returns base with override merged in: maps merge key by key, recursively;
// any other value of override replaces base's. Neither argument is changed.
func MergeValues(base, override map[string]any) map[string]any {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]any{}
	}
	for k, v := range override {
		if bm, ok := out[k].(map[string]any); ok {
			if om, ok := v.(map[string]any); ok {
				out[k] = MergeValues(bm, om)
				continue
			}
		}
		out[k] = v
	}
	return out
}
