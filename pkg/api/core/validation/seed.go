package validation

import (
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gardener/gardener/pkg/apis/core"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
)

var (
	availableIngressKinds            = sets.New(v1beta1constants.IngressKindNginx)
	availableExternalTrafficPolicies = sets.New(corev1.ServiceExternalTrafficPolicyCluster, corev1.ServiceExternalTrafficPolicyLocal)
	availableZoneSelectionModes      = sets.New(core.ZoneSelectionModePrefer, core.ZoneSelectionModeEnforce)
)

// ValidateSeed validates a Seed on creation, and is part of ValidateSeedUpdate.
func ValidateSeed(seed *core.Seed) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMeta(&seed.ObjectMeta, false, apivalidation.NameIsDNSLabel, metadataPath)
	allErrs = append(allErrs, validateSeedSpec(&seed.Spec, field.NewPath("spec"))...)
	return allErrs
}

// ValidateSeedUpdate validates an update of a Seed: the new Seed as in ValidateSeed, the ObjectMeta update rules,
// and the fields that must not change (networks, ingress domain, backup provider and region).
func ValidateSeedUpdate(newSeed, oldSeed *core.Seed) field.ErrorList {
	allErrs := apivalidation.ValidateObjectMetaUpdate(&newSeed.ObjectMeta, &oldSeed.ObjectMeta, metadataPath)
	allErrs = append(allErrs, validateSeedSpecUpdate(&newSeed.Spec, &oldSeed.Spec, field.NewPath("spec"))...)
	allErrs = append(allErrs, ValidateSeed(newSeed)...)
	return allErrs
}

func validateSeedSpec(spec *core.SeedSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList

	providerPath := fldPath.Child("provider")
	allErrs = append(allErrs, validateRequired(spec.Provider.Type, providerPath.Child("type"))...)
	allErrs = append(allErrs, validateRequired(spec.Provider.Region, providerPath.Child("region"))...)
	zones := sets.New[string]()
	for i, zone := range spec.Provider.Zones {
		if zones.Has(zone) {
			allErrs = append(allErrs, field.Duplicate(providerPath.Child("zones").Index(i), zone))
		}
		zones.Insert(zone)
	}

	allErrs = append(allErrs, validateSeedNetworks(&spec.Networks, fldPath.Child("networks"))...)
	allErrs = append(allErrs, validateSeedBackup(spec.Backup, spec.Provider.Type, fldPath.Child("backup"))...)
	allErrs = append(allErrs, validateSeedTaints(spec.Taints, fldPath.Child("taints"))...)
	allErrs = append(allErrs, validateSeedVolume(spec.Volume, fldPath.Child("volume"))...)
	allErrs = append(allErrs, validateSeedSettings(spec.Settings, zones, fldPath.Child("settings"))...)
	allErrs = append(allErrs, validateSeedIngressAndDNS(spec, fldPath)...)
	allErrs = append(allErrs, validateExtensions(spec.Extensions, fldPath.Child("extensions"))...)

	return allErrs
}

// validateSeedNetworks checks the seed's own networks (pods and services required, nodes optional) and the
// defaults for its shoots: canonical CIDRs of the configured IP family (single-stack only), the seed's networks
// disjoint, and the two shoot defaults disjoint.
func validateSeedNetworks(networks *core.SeedNetworks, fldPath *field.Path) field.ErrorList {
	if errs := validateIPFamilies(networks.IPFamilies, fldPath.Child("ipFamilies")); len(errs) > 0 {
		return errs
	}

	var allErrs field.ErrorList
	if networks.Pods == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("pods"), ""))
	}
	if networks.Services == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("services"), ""))
	}

	cidrs := newNetworkCIDRs(networks.IPFamilies)
	nodes := cidrs.add(networks.Nodes, fldPath.Child("nodes"))
	pods := cidrs.add(nonEmpty(networks.Pods), fldPath.Child("pods"))
	services := cidrs.add(nonEmpty(networks.Services), fldPath.Child("services"))
	var shootPods, shootServices *namedCIDR
	if defaults := networks.ShootDefaults; defaults != nil {
		shootPods = cidrs.add(defaults.Pods, fldPath.Child("shootDefaults", "pods"))
		shootServices = cidrs.add(defaults.Services, fldPath.Child("shootDefaults", "services"))
	}
	allErrs = append(allErrs, cidrs.errs...)
	allErrs = append(allErrs, validateNoOverlap(nodes, pods, services)...)
	allErrs = append(allErrs, validateNoOverlap(shootPods, shootServices)...)

	for i, block := range networks.BlockCIDRs {
		if _, errs := parseCIDR(block, fldPath.Child("blockCIDRs").Index(i)); len(errs) > 0 {
			allErrs = append(allErrs, errs...)
		}
	}

	return allErrs
}

func nonEmpty(value string) *string {
	if value == "" {
		return nil
	}
	return &value
}

// validateSeedBackup checks the optional backup configuration. A backup provider other than the seed's provider
// needs its own region.
func validateSeedBackup(backup *core.Backup, seedProviderType string, fldPath *field.Path) field.ErrorList {
	if backup == nil {
		return nil
	}

	var allErrs field.ErrorList
	allErrs = append(allErrs, validateRequired(backup.Provider, fldPath.Child("provider"))...)
	if backup.Provider != seedProviderType && (backup.Region == nil || *backup.Region == "") {
		allErrs = append(allErrs, field.Required(fldPath.Child("region"), "must be set when the backup provider differs from spec.provider.type"))
	}
	if backup.CredentialsRef == nil {
		allErrs = append(allErrs, field.Required(fldPath.Child("credentialsRef"), "must refer to a Secret or WorkloadIdentity"))
	} else {
		allErrs = append(allErrs, validateCredentialsRef(*backup.CredentialsRef, fldPath.Child("credentialsRef"))...)
	}
	return allErrs
}

// validateSeedTaints requires taint keys that are qualified names, each used once.
func validateSeedTaints(taints []core.SeedTaint, fldPath *field.Path) field.ErrorList {
	var (
		allErrs field.ErrorList
		keys    = sets.New[string]()
	)
	for i, taint := range taints {
		keyPath := fldPath.Index(i).Child("key")
		if taint.Key == "" {
			allErrs = append(allErrs, field.Required(keyPath, ""))
			continue
		}
		allErrs = append(allErrs, metav1validation.ValidateLabelName(taint.Key, keyPath)...)
		if keys.Has(taint.Key) {
			allErrs = append(allErrs, field.Duplicate(keyPath, taint.Key))
		}
		keys.Insert(taint.Key)
	}
	return allErrs
}

func validateSeedVolume(volume *core.SeedVolume, fldPath *field.Path) field.ErrorList {
	if volume == nil {
		return nil
	}

	var allErrs field.ErrorList
	if volume.MinimumSize != nil {
		allErrs = append(allErrs, validateNonNegativeQuantity(*volume.MinimumSize, fldPath.Child("minimumSize"))...)
	}
	purposes := sets.New[string]()
	for i, provider := range volume.Providers {
		idxPath := fldPath.Child("providers").Index(i)
		allErrs = append(allErrs, validateRequired(provider.Purpose, idxPath.Child("purpose"))...)
		allErrs = append(allErrs, validateRequired(provider.Name, idxPath.Child("name"))...)
		if purposes.Has(provider.Purpose) {
			allErrs = append(allErrs, field.Duplicate(idxPath.Child("purpose"), provider.Purpose))
		}
		purposes.Insert(provider.Purpose)
	}
	return allErrs
}

// validateSeedSettings checks the settings that carry values rather than switches: resource quantities, load
// balancer annotations, traffic policies, per-zone settings and the zone selection mode.
func validateSeedSettings(settings *core.SeedSettings, zones sets.Set[string], fldPath *field.Path) field.ErrorList {
	if settings == nil {
		return nil
	}

	var allErrs field.ErrorList

	if reservation := settings.ExcessCapacityReservation; reservation != nil {
		for i, config := range reservation.Configs {
			resourcesPath := fldPath.Child("excessCapacityReservation", "configs").Index(i).Child("resources")
			if len(config.Resources) == 0 {
				allErrs = append(allErrs, field.Required(resourcesPath, ""))
			}
			for name, quantity := range config.Resources {
				allErrs = append(allErrs, validateNonNegativeQuantity(quantity, resourcesPath.Key(string(name)))...)
			}
		}
	}

	if lb := settings.LoadBalancerServices; lb != nil {
		lbPath := fldPath.Child("loadBalancerServices")
		allErrs = append(allErrs, apivalidation.ValidateAnnotations(lb.Annotations, lbPath.Child("annotations"))...)
		if lb.Class != nil {
			allErrs = append(allErrs, metav1validation.ValidateLabelName(*lb.Class, lbPath.Child("class"))...)
		}
		allErrs = append(allErrs, validateExternalTrafficPolicy(lb.ExternalTrafficPolicy, lbPath.Child("externalTrafficPolicy"))...)

		seen := sets.New[string]()
		for i, zone := range lb.Zones {
			zonePath := lbPath.Child("zones").Index(i)
			if !zones.Has(zone.Name) {
				allErrs = append(allErrs, field.NotFound(zonePath.Child("name"), zone.Name))
			}
			if seen.Has(zone.Name) {
				allErrs = append(allErrs, field.Duplicate(zonePath.Child("name"), zone.Name))
			}
			seen.Insert(zone.Name)
			allErrs = append(allErrs, apivalidation.ValidateAnnotations(zone.Annotations, zonePath.Child("annotations"))...)
			allErrs = append(allErrs, validateExternalTrafficPolicy(zone.ExternalTrafficPolicy, zonePath.Child("externalTrafficPolicy"))...)
		}
	}

	if vpa := settings.VerticalPodAutoscaler; vpa != nil {
		for name, quantity := range vpa.MaxAllowed {
			allErrs = append(allErrs, validateNonNegativeQuantity(quantity, fldPath.Child("verticalPodAutoscaler", "maxAllowed").Key(string(name)))...)
		}
	}

	if selection := settings.ZoneSelection; selection != nil {
		selectionPath := fldPath.Child("zoneSelection")
		if zones.Len() == 0 {
			allErrs = append(allErrs, field.Forbidden(selectionPath, "requires spec.provider.zones"))
		}
		if !availableZoneSelectionModes.Has(selection.Mode) {
			allErrs = append(allErrs, field.NotSupported(selectionPath.Child("mode"), selection.Mode, sets.List(availableZoneSelectionModes)))
		}
	}

	return allErrs
}

func validateExternalTrafficPolicy(policy *corev1.ServiceExternalTrafficPolicy, fldPath *field.Path) field.ErrorList {
	if policy != nil && !availableExternalTrafficPolicies.Has(*policy) {
		return field.ErrorList{field.NotSupported(fldPath, *policy, sets.List(availableExternalTrafficPolicies))}
	}
	return nil
}

// validateSeedIngressAndDNS checks ingress and DNS where they are set. An ingress needs a domain, Gardener's
// controller kind (nginx) and a DNS provider to create its records.
func validateSeedIngressAndDNS(spec *core.SeedSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList

	if ingress := spec.Ingress; ingress != nil {
		ingressPath := fldPath.Child("ingress")
		if ingress.Domain == "" {
			allErrs = append(allErrs, field.Required(ingressPath.Child("domain"), ""))
		} else {
			allErrs = append(allErrs, validateDNSSubdomain(ingress.Domain, ingressPath.Child("domain"))...)
		}
		if !availableIngressKinds.Has(ingress.Controller.Kind) {
			allErrs = append(allErrs, field.NotSupported(ingressPath.Child("controller", "kind"), ingress.Controller.Kind, sets.List(availableIngressKinds)))
		}
		if spec.DNS.Provider == nil {
			allErrs = append(allErrs, field.Required(fldPath.Child("dns", "provider"), "an ingress needs a DNS provider"))
		}
	}

	dnsPath := fldPath.Child("dns")
	if provider := spec.DNS.Provider; provider != nil {
		providerPath := dnsPath.Child("provider")
		allErrs = append(allErrs, validateRequired(provider.Type, providerPath.Child("type"))...)
		if provider.CredentialsRef == nil {
			allErrs = append(allErrs, field.Required(providerPath.Child("credentialsRef"), "must refer to a Secret or WorkloadIdentity"))
		} else {
			allErrs = append(allErrs, validateCredentialsRef(*provider.CredentialsRef, providerPath.Child("credentialsRef"))...)
		}
	}
	if internal := spec.DNS.Internal; internal != nil {
		allErrs = append(allErrs, validateSeedDNSProviderConfig(internal, dnsPath.Child("internal"))...)
	}
	domains := sets.New[string]()
	for i := range spec.DNS.Defaults {
		config := &spec.DNS.Defaults[i]
		idxPath := dnsPath.Child("defaults").Index(i)
		allErrs = append(allErrs, validateSeedDNSProviderConfig(config, idxPath)...)
		if domains.Has(config.Domain) {
			allErrs = append(allErrs, field.Duplicate(idxPath.Child("domain"), config.Domain))
		}
		domains.Insert(config.Domain)
	}

	return allErrs
}

func validateSeedDNSProviderConfig(config *core.SeedDNSProviderConfig, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if config.Domain == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("domain"), ""))
	} else {
		allErrs = append(allErrs, validateDNSSubdomain(config.Domain, fldPath.Child("domain"))...)
	}
	allErrs = append(allErrs, validateRequired(config.Type, fldPath.Child("type"))...)
	allErrs = append(allErrs, validateCredentialsRef(config.CredentialsRef, fldPath.Child("credentialsRef"))...)
	return allErrs
}

func validateSeedSpecUpdate(newSpec, oldSpec *core.SeedSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList

	networksPath := fldPath.Child("networks")
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newSpec.Networks.Pods, oldSpec.Networks.Pods, networksPath.Child("pods"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newSpec.Networks.Services, oldSpec.Networks.Services, networksPath.Child("services"))...)
	allErrs = append(allErrs, immutableOnceSet(newSpec.Networks.Nodes, oldSpec.Networks.Nodes, networksPath.Child("nodes"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(
		ipFamiliesOrDefault(newSpec.Networks.IPFamilies), ipFamiliesOrDefault(oldSpec.Networks.IPFamilies), networksPath.Child("ipFamilies"))...)

	if oldSpec.Ingress != nil && newSpec.Ingress != nil {
		allErrs = append(allErrs, apivalidation.ValidateImmutableField(newSpec.Ingress.Domain, oldSpec.Ingress.Domain, fldPath.Child("ingress", "domain"))...)
	}

	if oldSpec.Backup != nil {
		backupPath := fldPath.Child("backup")
		if newSpec.Backup == nil {
			allErrs = append(allErrs, field.Forbidden(backupPath, "must not be removed once set"))
		} else {
			allErrs = append(allErrs, apivalidation.ValidateImmutableField(newSpec.Backup.Provider, oldSpec.Backup.Provider, backupPath.Child("provider"))...)
			allErrs = append(allErrs, apivalidation.ValidateImmutableField(newSpec.Backup.Region, oldSpec.Backup.Region, backupPath.Child("region"))...)
		}
	}

	return allErrs
}
