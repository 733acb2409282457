package decision

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
)

// minZonesForZonalControlPlane is how many zones a seed needs to host a control plane with
// failure tolerance type zone.
const minZonesForZonalControlPlane = 3

// anyProvider in a seed selector's providerTypes allows seeds of every provider type.
const anyProvider = "*"

// namedCIDR is an unparsed CIDR with the name of the network it belongs to.
type namedCIDR struct{ name, cidr string }

// filter holds what the rules need from the shoot and the inputs, parsed once per decision.
type filter struct {
	shoot                 *gardencorev1beta1.Shoot
	cloudProfileSelector  labels.Selector
	cloudProfileProviders []string
	shootSelector         labels.Selector
	shootProviders        []string
	networks              []namedPrefix
	zonal                 bool
	shootsPerSeed         map[string]int

	// rules run in this order; each returns the reason it rejects a seed, or "".
	rules []func(*gardencorev1beta1.Seed) string
}

// namedPrefix is a CIDR with the name of the network it belongs to.
type namedPrefix struct {
	name   string
	prefix netip.Prefix
}

func newFilter(shoot *gardencorev1beta1.Shoot, in Inputs) (*filter, error) {
	f := &filter{
		shoot:                shoot,
		cloudProfileSelector: labels.Everything(),
		shootSelector:        labels.Everything(),
		shootsPerSeed:        in.ShootsPerSeed,
	}
	if s := in.CloudProfileSeedSelector; s != nil {
		sel, err := metav1.LabelSelectorAsSelector(&s.LabelSelector)
		if err != nil {
			return nil, fmt.Errorf("cloud profile's seed selector: %w", err)
		}
		f.cloudProfileSelector, f.cloudProfileProviders = sel, s.ProviderTypes
	}
	if s := shoot.Spec.SeedSelector; s != nil {
		sel, err := metav1.LabelSelectorAsSelector(&s.LabelSelector)
		if err != nil {
			return nil, fmt.Errorf("%w: spec.seedSelector: %w", ErrInvalidShoot, err)
		}
		f.shootSelector, f.shootProviders = sel, s.ProviderTypes
	}
	if n := shoot.Spec.Networking; n != nil {
		for _, c := range []struct {
			name string
			cidr *string
		}{{"nodes", n.Nodes}, {"pods", n.Pods}, {"services", n.Services}} {
			if c.cidr == nil || *c.cidr == "" {
				continue
			}
			p, err := netip.ParsePrefix(*c.cidr)
			if err != nil {
				return nil, fmt.Errorf("%w: spec.networking.%s: %w", ErrInvalidShoot, c.name, err)
			}
			f.networks = append(f.networks, namedPrefix{name: c.name, prefix: p.Masked()})
		}
	}
	if cp := shoot.Spec.ControlPlane; cp != nil && cp.HighAvailability != nil {
		f.zonal = cp.HighAvailability.FailureTolerance.Type == gardencorev1beta1.FailureToleranceTypeZone
	}
	f.rules = []func(*gardencorev1beta1.Seed) string{
		f.ready, f.selectors, f.provider, f.taints, f.disjointNetworks, f.zones, f.capacity,
	}
	return f, nil
}

// reject returns why seed cannot host the shoot, or "" when it can.
func (f *filter) reject(seed *gardencorev1beta1.Seed) string {
	for _, rule := range f.rules {
		if reason := rule(seed); reason != "" {
			return reason
		}
	}
	return ""
}

// ready rejects seeds that are being deleted, invisible to the scheduler, or whose gardenlet
// is not ready. Seeds without spec.settings.scheduling are visible, as Gardener defaults them.
func (f *filter) ready(seed *gardencorev1beta1.Seed) string {
	if seed.DeletionTimestamp != nil {
		return "being deleted"
	}
	if s := seed.Spec.Settings; s != nil && s.Scheduling != nil && !s.Scheduling.Visible {
		return "invisible to the scheduler (spec.settings.scheduling.visible is false)"
	}
	for _, c := range seed.Status.Conditions {
		if c.Type != gardencorev1beta1.GardenletReady {
			continue
		}
		if c.Status != gardencorev1beta1.ConditionTrue {
			return fmt.Sprintf("not ready (%s is %s)", gardencorev1beta1.GardenletReady, c.Status)
		}
		return ""
	}
	return fmt.Sprintf("not ready (no %s condition)", gardencorev1beta1.GardenletReady)
}

// selectors rejects seeds whose labels the cloud profile's or the shoot's seed selector does
// not match.
func (f *filter) selectors(seed *gardencorev1beta1.Seed) string {
	set := labels.Set(seed.Labels)
	if !f.cloudProfileSelector.Matches(set) {
		return fmt.Sprintf("labels do not match the cloud profile's seed selector (%s)", f.cloudProfileSelector)
	}
	if !f.shootSelector.Matches(set) {
		return fmt.Sprintf("labels do not match the shoot's seed selector (%s)", f.shootSelector)
	}
	return ""
}

// provider rejects seeds of a provider type the shoot may not use. Like Gardener, the cloud
// profile's providerTypes, when set, list the allowed types ("*" for all); otherwise only
// the shoot's own type is allowed. The shoot's providerTypes, when set, narrow that further.
func (f *filter) provider(seed *gardencorev1beta1.Seed) string {
	seedType, shootType := seed.Spec.Provider.Type, f.shoot.Spec.Provider.Type
	switch {
	case len(f.cloudProfileProviders) == 0 && seedType != shootType:
		return fmt.Sprintf("provider type %s is not the shoot's %s", seedType, shootType)
	case len(f.cloudProfileProviders) > 0 && !allowsProvider(f.cloudProfileProviders, seedType):
		return fmt.Sprintf("provider type %s is not in the cloud profile's seedSelector.providerTypes %v", seedType, f.cloudProfileProviders)
	case len(f.shootProviders) > 0 && !allowsProvider(f.shootProviders, seedType):
		return fmt.Sprintf("provider type %s is not in the shoot's seedSelector.providerTypes %v", seedType, f.shootProviders)
	}
	return ""
}

func allowsProvider(types []string, t string) bool {
	return slices.Contains(types, anyProvider) || slices.Contains(types, t)
}

// taints rejects seeds with a taint that no toleration of the shoot tolerates. A toleration
// tolerates a taint with the same key, and if the taint has a value, the same value.
func (f *filter) taints(seed *gardencorev1beta1.Seed) string {
	var untolerated []string
	for _, taint := range seed.Spec.Taints {
		if !slices.ContainsFunc(f.shoot.Spec.Tolerations, func(t gardencorev1beta1.Toleration) bool {
			return t.Key == taint.Key && (taint.Value == nil || (t.Value != nil && *t.Value == *taint.Value))
		}) {
			untolerated = append(untolerated, taintString(taint))
		}
	}
	switch len(untolerated) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("taint %s not tolerated", untolerated[0])
	default:
		return fmt.Sprintf("taints %s not tolerated", strings.Join(untolerated, ", "))
	}
}

func taintString(t gardencorev1beta1.SeedTaint) string {
	if t.Value == nil {
		return t.Key
	}
	return t.Key + "=" + *t.Value
}

// disjointNetworks rejects seeds whose nodes, pods, services or blocked CIDRs overlap the
// shoot's nodes, pods or services network, in either IP family.
func (f *filter) disjointNetworks(seed *gardencorev1beta1.Seed) string {
	if len(f.networks) == 0 {
		return ""
	}
	n := seed.Spec.Networks
	cidrs := make([]namedCIDR, 0, 3+len(n.BlockCIDRs))
	if n.Nodes != nil {
		cidrs = append(cidrs, namedCIDR{"nodes", *n.Nodes})
	}
	cidrs = append(cidrs, namedCIDR{"pods", n.Pods}, namedCIDR{"services", n.Services})
	for _, b := range n.BlockCIDRs {
		cidrs = append(cidrs, namedCIDR{"blocked CIDR", b})
	}

	var overlaps []string
	for _, c := range cidrs {
		if c.cidr == "" {
			continue
		}
		seedPrefix, err := netip.ParsePrefix(c.cidr)
		if err != nil {
			return fmt.Sprintf("invalid seed %s network %q", c.name, c.cidr)
		}
		for _, sn := range f.networks {
			if sn.prefix.Overlaps(seedPrefix) {
				overlaps = append(overlaps, fmt.Sprintf("shoot %s %s overlaps seed %s %s", sn.name, sn.prefix, c.name, seedPrefix))
			}
		}
	}
	if len(overlaps) == 0 {
		return ""
	}
	return "networks overlap: " + strings.Join(overlaps, ", ")
}

// zones rejects seeds with fewer than three zones for a shoot whose control plane tolerates
// the failure of a zone.
func (f *filter) zones(seed *gardencorev1beta1.Seed) string {
	if !f.zonal || len(seed.Spec.Provider.Zones) >= minZonesForZonalControlPlane {
		return ""
	}
	return fmt.Sprintf("has %d zone(s), a control plane with failure tolerance type zone needs %d", len(seed.Spec.Provider.Zones), minZonesForZonalControlPlane)
}

// capacity rejects seeds whose status.allocatable.shoots is set and already reached.
func (f *filter) capacity(seed *gardencorev1beta1.Seed) string {
	allocatable, ok := seed.Status.Allocatable[gardencorev1beta1.ResourceShoots]
	if !ok {
		return ""
	}
	if scheduled := f.shootsPerSeed[seed.Name]; int64(scheduled) >= allocatable.Value() {
		return fmt.Sprintf("full (%d of %d allocatable shoots scheduled)", scheduled, allocatable.Value())
	}
	return ""
}
