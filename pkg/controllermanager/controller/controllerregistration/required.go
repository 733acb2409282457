package controllerregistration

import (
	"fmt"
	"slices"
	"strings"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/ptr"
)

// Kinds of the extension resources that ControllerRegistrations declare.
const (
	KindBackupBucket          = "BackupBucket"
	KindBackupEntry           = "BackupEntry"
	KindContainerRuntime      = "ContainerRuntime"
	KindControlPlane          = "ControlPlane"
	KindDNSRecord             = "DNSRecord"
	KindExtension             = "Extension"
	KindInfrastructure        = "Infrastructure"
	KindNetwork               = "Network"
	KindOperatingSystemConfig = "OperatingSystemConfig"
	KindWorker                = "Worker"
)

// KindType is one extension resource kind with one type, such as Infrastructure/aws.
type KindType struct {
	Kind, Type string
}

// String returns kind/type.
func (k KindType) String() string { return k.Kind + "/" + k.Type }

// SeedKindTypes returns the kinds and types that the Seed itself needs, as Gardener
// computes them: a ControlPlane of the seed's provider type, BackupBucket and BackupEntry
// of its backup provider, a DNSRecord of its DNS provider, and its enabled extensions.
// A Seed being deleted needs nothing.
func SeedKindTypes(seed *gardencorev1beta1.Seed) sets.Set[KindType] {
	out := sets.New[KindType]()
	if seed.DeletionTimestamp != nil {
		return out
	}
	if seed.Spec.Provider.Type != "" {
		out.Insert(KindType{KindControlPlane, seed.Spec.Provider.Type})
	}
	if b := seed.Spec.Backup; b != nil && b.Provider != "" {
		out.Insert(KindType{KindBackupBucket, b.Provider}, KindType{KindBackupEntry, b.Provider})
	}
	if p := seed.Spec.DNS.Provider; p != nil && p.Type != "" {
		out.Insert(KindType{KindDNSRecord, p.Type})
	}
	for _, ext := range seed.Spec.Extensions {
		if !ptr.Deref(ext.Disabled, false) {
			out.Insert(KindType{KindExtension, ext.Type})
		}
	}
	return out
}

// ShootKindTypes returns the kinds and types that a Shoot needs on its seed: the
// ControlPlane, Infrastructure and Worker of its provider type, the Network of its
// networking type, the OperatingSystemConfig of every machine image and the
// ContainerRuntime of every container runtime of its workers, its enabled extensions, the
// DNSRecords of its DNS providers, and the BackupEntry of its seed's backup provider
// (given as backupProvider, "" for none). A workerless shoot needs only the ControlPlane
// of its provider type besides its extensions and DNS records.
func ShootKindTypes(shoot *gardencorev1beta1.Shoot, backupProvider string) sets.Set[KindType] {
	out := sets.New[KindType]()
	provider := shoot.Spec.Provider.Type
	out.Insert(KindType{KindControlPlane, provider})
	if len(shoot.Spec.Provider.Workers) > 0 {
		out.Insert(KindType{KindInfrastructure, provider}, KindType{KindWorker, provider})
		if n := shoot.Spec.Networking; n != nil && ptr.Deref(n.Type, "") != "" {
			out.Insert(KindType{KindNetwork, *n.Type})
		}
	}
	for _, w := range shoot.Spec.Provider.Workers {
		if w.Machine.Image != nil && w.Machine.Image.Name != "" {
			out.Insert(KindType{KindOperatingSystemConfig, w.Machine.Image.Name})
		}
		if w.CRI != nil {
			for _, rt := range w.CRI.ContainerRuntimes {
				out.Insert(KindType{KindContainerRuntime, rt.Type})
			}
		}
	}
	for _, ext := range shoot.Spec.Extensions {
		if !ptr.Deref(ext.Disabled, false) {
			out.Insert(KindType{KindExtension, ext.Type})
		}
	}
	if dns := shoot.Spec.DNS; dns != nil {
		for _, p := range dns.Providers {
			if t := ptr.Deref(p.Type, ""); t != "" {
				out.Insert(KindType{KindDNSRecord, t})
			}
		}
	}
	if backupProvider != "" {
		out.Insert(KindType{KindBackupEntry, backupProvider})
	}
	return out
}

// Needs is what a Seed needs: the kinds and types in use on it, and whether any Shoot
// is scheduled to it.
type Needs struct {
	KindTypes sets.Set[KindType]
	HasShoots bool
}

// Required tells whether registration must be installed on seed, given what the seed
// needs:
//   - a registration being deleted, on a seed being deleted, or whose
//     spec.deployment.seedSelector does not match the seed's labels, is never required;
//   - policy Always: required on every seed;
//   - policy AlwaysExceptNoShoots: required on every seed with at least one Shoot;
//   - policy OnDemand (the default): required when one of its resources is in use.
//
// The error is for a seed selector that cannot be parsed.
func Required(registration *gardencorev1beta1.ControllerRegistration, seed *gardencorev1beta1.Seed, needs Needs) (bool, error) {
	if registration.DeletionTimestamp != nil || seed.DeletionTimestamp != nil {
		return false, nil
	}
	policy := gardencorev1beta1.ControllerDeploymentPolicyOnDemand
	if d := registration.Spec.Deployment; d != nil {
		if d.SeedSelector != nil {
			selector, err := metav1.LabelSelectorAsSelector(d.SeedSelector)
			if err != nil {
				return false, fmt.Errorf("parsing spec.deployment.seedSelector: %w", err)
			}
			if !selector.Matches(labels.Set(seed.Labels)) {
				return false, nil
			}
		}
		if d.Policy != nil && *d.Policy != "" {
			policy = *d.Policy
		}
	}
	switch policy {
	case gardencorev1beta1.ControllerDeploymentPolicyAlways:
		return true, nil
	case gardencorev1beta1.ControllerDeploymentPolicyAlwaysExceptNoShoots:
		return needs.HasShoots, nil
	}
	for _, r := range registration.Spec.Resources {
		if needs.KindTypes.Has(KindType{r.Kind, r.Type}) {
			return true, nil
		}
	}
	return false, nil
}

// InstallationName is the name of the ControllerInstallation of registrationName on
// seedName. It is deterministic, so that creating it again after a lost response or a
// stale cache fails with AlreadyExists instead of adding a second installation.
func InstallationName(registrationName, seedName string) string {
	return registrationName + "-" + seedName
}

// Reasons of the Required condition that the controller reports on every
// ControllerInstallation it keeps.
const (
	// ReasonRequiredBySeed says that the seed requires the registration (see Required).
	ReasonRequiredBySeed = "RequiredBySeed"
	// ReasonNeededByShoots says that the seed no longer requires the registration, but
	// Shoots on it still need one of its kinds and types (see NeededBy), so its
	// installation stays until they are gone.
	ReasonNeededByShoots = "NeededByShoots"
)

// maxNamedShoots is how many shoots the Required condition's message names.
const maxNamedShoots = 5

// NeededBy returns the Shoots, as namespace/name in order, that are on seed (by
// spec.seedName or status.seedName, also while they are being deleted) and need one of
// the kinds and types of registration (see ShootKindTypes). An installation of
// registration that the seed no longer requires stays while this is not empty: the
// extension must still reconcile and delete those shoots' extension resources.
func NeededBy(registration *gardencorev1beta1.ControllerRegistration, seed *gardencorev1beta1.Seed, shoots []gardencorev1beta1.Shoot) []string {
	resources := sets.New[KindType]()
	for _, r := range registration.Spec.Resources {
		resources.Insert(KindType{r.Kind, r.Type})
	}
	var out []string
	for i := range shoots {
		shoot := &shoots[i]
		if !seedsOf(shoot).Has(seed.Name) {
			continue
		}
		if ShootKindTypes(shoot, backupProvider(seed)).HasAny(resources.UnsortedList()...) {
			out = append(out, shoot.Namespace+"/"+shoot.Name)
		}
	}
	slices.Sort(out)
	return out
}

// RequiredCondition returns the Required condition, without times, of an installation of
// registration on seed that the controller keeps: required by the seed, or else needed by
// the shoots neededBy (see NeededBy).
func RequiredCondition(registration, seed string, required bool, neededBy []string) gardencorev1beta1.Condition {
	c := gardencorev1beta1.Condition{Type: gardencorev1beta1.ControllerInstallationRequired, Status: gardencorev1beta1.ConditionTrue}
	if required {
		c.Reason = ReasonRequiredBySeed
		c.Message = fmt.Sprintf("Seed %s requires ControllerRegistration %s.", seed, registration)
		return c
	}
	names := neededBy
	if len(names) > maxNamedShoots {
		names = append(slices.Clone(names[:maxNamedShoots]), fmt.Sprintf("and %d more", len(neededBy)-maxNamedShoots))
	}
	c.Reason = ReasonNeededByShoots
	c.Message = fmt.Sprintf("Seed %s no longer requires ControllerRegistration %s (by its spec.deployment.seedSelector, its policy or its deletion), "+
		"but it is still needed by shoot %s: the installation stays until no shoot on the seed needs it. To uninstall it, delete those shoots.",
		seed, registration, strings.Join(names, ", "))
	return c
}

// backupProvider is the seed's backup provider, or "".
func backupProvider(seed *gardencorev1beta1.Seed) string {
	if seed.Spec.Backup != nil {
		return seed.Spec.Backup.Provider
	}
	return ""
}
