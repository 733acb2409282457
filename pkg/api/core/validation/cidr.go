package validation

import (
	"fmt"
	"net"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gardener/gardener/pkg/apis/core"
)

// namedCIDR is a parsed CIDR together with the field it came from.
type namedCIDR struct {
	path  *field.Path
	value string
	net   *net.IPNet
}

// parseCIDR parses value as a CIDR in canonical form (the network address, as Go prints it). It returns nil
// together with the errors when value is not usable.
func parseCIDR(value string, fldPath *field.Path) (*namedCIDR, field.ErrorList) {
	_, ipNet, err := net.ParseCIDR(value)
	if err != nil {
		return nil, field.ErrorList{field.Invalid(fldPath, value, "must be a valid CIDR, e.g. 10.0.0.0/16 or fd00::/48")}
	}
	if canonical := ipNet.String(); canonical != value {
		return nil, field.ErrorList{field.Invalid(fldPath, value, fmt.Sprintf("must be in canonical form %q", canonical))}
	}
	return &namedCIDR{path: fldPath, value: value, net: ipNet}, nil
}

// family returns the IP family of the CIDR.
func (c *namedCIDR) family() core.IPFamily {
	if c.net.IP.To4() != nil {
		return core.IPFamilyIPv4
	}
	return core.IPFamilyIPv6
}

// overlaps reports whether the two networks share an address. Networks of different families never overlap.
func (c *namedCIDR) overlaps(other *namedCIDR) bool {
	return c.net.Contains(other.net.IP) || other.net.Contains(c.net.IP)
}

// networkCIDRs collects the CIDR fields of one network configuration and checks them against its IP families.
type networkCIDRs struct {
	// singleStackFamily is the family every CIDR must have; empty for dual-stack, where either family is fine.
	singleStackFamily core.IPFamily
	// parsed are the CIDRs that parsed, in the order they were added.
	parsed []*namedCIDR
	errs   field.ErrorList
}

// newNetworkCIDRs starts a collection for the given (already validated) IP families; no families means IPv4,
// Gardener's default.
func newNetworkCIDRs(ipFamilies []core.IPFamily) *networkCIDRs {
	switch len(ipFamilies) {
	case 0:
		return &networkCIDRs{singleStackFamily: core.IPFamilyIPv4}
	case 1:
		return &networkCIDRs{singleStackFamily: ipFamilies[0]}
	default:
		return &networkCIDRs{}
	}
}

// add parses value unless it is nil and records the result.
func (n *networkCIDRs) add(value *string, fldPath *field.Path) *namedCIDR {
	if value == nil {
		return nil
	}
	cidr, errs := parseCIDR(*value, fldPath)
	if len(errs) > 0 {
		n.errs = append(n.errs, errs...)
		return nil
	}
	if n.singleStackFamily != "" && cidr.family() != n.singleStackFamily {
		n.errs = append(n.errs, field.Invalid(fldPath, *value, fmt.Sprintf("must be an %s CIDR to match the IP families", n.singleStackFamily)))
		return nil
	}
	n.parsed = append(n.parsed, cidr)
	return cidr
}

// validateNoOverlap reports every CIDR that overlaps an earlier one, on the later CIDR's field and naming the
// earlier one.
func validateNoOverlap(cidrs ...*namedCIDR) field.ErrorList {
	var allErrs field.ErrorList
	for i, later := range cidrs {
		if later == nil {
			continue
		}
		for _, earlier := range cidrs[:i] {
			if earlier != nil && later.overlaps(earlier) {
				allErrs = append(allErrs, field.Invalid(later.path, later.value, fmt.Sprintf("must not overlap with %s (%s)", earlier.path, earlier.value)))
			}
		}
	}
	return allErrs
}

var supportedIPFamilies = sets.New(core.IPFamilyIPv4, core.IPFamilyIPv6)

// validateIPFamilies checks that every family is IPv4 or IPv6 and appears once.
func validateIPFamilies(ipFamilies []core.IPFamily, fldPath *field.Path) field.ErrorList {
	var (
		allErrs field.ErrorList
		seen    = sets.New[core.IPFamily]()
	)
	for i, family := range ipFamilies {
		if !supportedIPFamilies.Has(family) {
			allErrs = append(allErrs, field.NotSupported(fldPath.Index(i), family, sets.List(supportedIPFamilies)))
		}
		if seen.Has(family) {
			allErrs = append(allErrs, field.Duplicate(fldPath.Index(i), family))
		}
		seen.Insert(family)
	}
	return allErrs
}
