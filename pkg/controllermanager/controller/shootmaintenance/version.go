package shootmaintenance

import (
	"fmt"
	"slices"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/apimachinery/pkg/util/version"
)

// Classification returns the classification of v at now: from its lifecycle stages when
// it has some (the last stage that has started; unavailable before the first), else from
// its expiration date and classification (supported by default).
func Classification(v gardencorev1beta1.ExpirableVersion, now time.Time) gardencorev1beta1.VersionClassification {
	if len(v.Lifecycle) > 0 {
		current := gardencorev1beta1.ClassificationUnavailable
		for _, stage := range v.Lifecycle {
			if stage.StartTime == nil || !now.Before(stage.StartTime.Time) {
				current = stage.Classification
			}
		}
		return current
	}
	if v.ExpirationDate != nil && !now.Before(v.ExpirationDate.Time) {
		return gardencorev1beta1.ClassificationExpired
	}
	if v.Classification != nil {
		return *v.Classification
	}
	return gardencorev1beta1.ClassificationSupported
}

// updatable tells whether maintenance may move a Shoot to a version classified c: a
// supported or deprecated one, never a preview, expired or unavailable one.
func updatable(c gardencorev1beta1.VersionClassification) bool {
	return c == gardencorev1beta1.ClassificationSupported || c == gardencorev1beta1.ClassificationDeprecated
}

// Update is the outcome of maintaining one version.
type Update struct {
	// To is the version to move to; empty when the version stays.
	To string
	// Reason says why the version moves, or why it cannot although it must.
	Reason string
	// Failed is set when the version has expired and there is nothing to move it to.
	Failed bool
}

// candidate is a version of the profile that maintenance may move to.
type candidate struct {
	raw string
	v   *version.Version
}

// newest returns the newest of the candidates that are newer than current and match
// keep, and false if there is none.
func newest(candidates []candidate, current *version.Version, keep func(*version.Version) bool) (string, bool) {
	var best *candidate
	for i, c := range candidates {
		if !c.v.GreaterThan(current) || !keep(c.v) {
			continue
		}
		if best == nil || c.v.GreaterThan(best.v) {
			best = &candidates[i]
		}
	}
	if best == nil {
		return "", false
	}
	return best.raw, true
}

// findVersion returns the version named current among versions, if the profile offers it.
func findVersion(versions []gardencorev1beta1.ExpirableVersion, current string) (gardencorev1beta1.ExpirableVersion, bool) {
	i := slices.IndexFunc(versions, func(v gardencorev1beta1.ExpirableVersion) bool { return v.Version == current })
	if i < 0 {
		return gardencorev1beta1.ExpirableVersion{}, false
	}
	return versions[i], true
}

// candidates returns the versions maintenance may move to at now.
func candidates(versions []gardencorev1beta1.ExpirableVersion, now time.Time) []candidate {
	var out []candidate
	for _, v := range versions {
		parsed, err := version.ParseSemantic(v.Version)
		if err != nil || !updatable(Classification(v, now)) {
			continue
		}
		out = append(out, candidate{raw: v.Version, v: parsed})
	}
	return out
}

// KubernetesVersion decides the Kubernetes version of a Shoot that runs current, given the
// versions of its cloud profile:
//   - an expired version moves to the newest patch of its minor, or else of the next
//     minor, whether or not auto-update is on; if there is neither, the update fails;
//   - with autoUpdate, a version moves to the newest patch of its minor;
//   - it only moves to supported or deprecated versions newer than current.
func KubernetesVersion(current string, autoUpdate bool, versions []gardencorev1beta1.ExpirableVersion, now time.Time) (Update, error) {
	cur, err := version.ParseSemantic(current)
	if err != nil {
		return Update{}, fmt.Errorf("invalid Kubernetes version %q: %w", current, err)
	}
	cands := candidates(versions, now)
	sameMinor := func(v *version.Version) bool { return v.Major() == cur.Major() && v.Minor() == cur.Minor() }
	nextMinor := func(v *version.Version) bool { return v.Major() == cur.Major() && v.Minor() == cur.Minor()+1 }

	if v, ok := findVersion(versions, current); ok && Classification(v, now) == gardencorev1beta1.ClassificationExpired {
		if to, ok := newest(cands, cur, sameMinor); ok {
			return Update{To: to, Reason: fmt.Sprintf("Kubernetes version %s has expired: updated to the newest patch %s", current, to)}, nil
		}
		if to, ok := newest(cands, cur, nextMinor); ok {
			return Update{To: to, Reason: fmt.Sprintf("Kubernetes version %s has expired: updated to %s of the next minor", current, to)}, nil
		}
		return Update{Failed: true, Reason: fmt.Sprintf("Kubernetes version %s has expired, and the cloud profile offers no newer patch of its minor or of the next minor", current)}, nil
	}
	if !autoUpdate {
		return Update{}, nil
	}
	if to, ok := newest(cands, cur, sameMinor); ok {
		return Update{To: to, Reason: fmt.Sprintf("Kubernetes version %s updated to the newest patch %s", current, to)}, nil
	}
	return Update{}, nil
}

// MachineImageVersion decides the version of machine image image for a worker pool that
// runs current on architecture arch. An expired version moves to the newest version the
// image's update strategy allows, or else to the newest version of the image, whether or
// not auto-update is on; with autoUpdate, a version moves to the newest version the update
// strategy allows (major, the default: the newest of all; minor: of the same major; patch:
// of the same minor). Only supported or deprecated versions newer than current that
// support arch are considered.
func MachineImageVersion(image gardencorev1beta1.MachineImage, current, arch string, autoUpdate bool, now time.Time) (Update, error) {
	cur, err := version.ParseGeneric(current)
	if err != nil {
		return Update{}, fmt.Errorf("invalid version %q of machine image %s: %w", current, image.Name, err)
	}
	var (
		versions []gardencorev1beta1.ExpirableVersion
		expired  bool
	)
	for _, v := range image.Versions {
		if v.Version == current && Classification(v.ExpirableVersion, now) == gardencorev1beta1.ClassificationExpired {
			expired = true
		}
		if len(v.Architectures) > 0 && !slices.Contains(v.Architectures, arch) {
			continue
		}
		versions = append(versions, v.ExpirableVersion)
	}
	var cands []candidate
	for _, v := range versions {
		parsed, err := version.ParseGeneric(v.Version)
		if err != nil || !updatable(Classification(v, now)) {
			continue
		}
		cands = append(cands, candidate{raw: v.Version, v: parsed})
	}
	strategy := gardencorev1beta1.UpdateStrategyMajor
	if image.UpdateStrategy != nil {
		strategy = *image.UpdateStrategy
	}
	allowed := func(v *version.Version) bool {
		switch strategy {
		case gardencorev1beta1.UpdateStrategyPatch:
			return v.Major() == cur.Major() && v.Minor() == cur.Minor()
		case gardencorev1beta1.UpdateStrategyMinor:
			return v.Major() == cur.Major()
		default:
			return true
		}
	}
	anyVersion := func(*version.Version) bool { return true }

	if expired {
		if to, ok := newest(cands, cur, allowed); ok {
			return Update{To: to, Reason: fmt.Sprintf("Machine image %s version %s has expired: updated to %s", image.Name, current, to)}, nil
		}
		if to, ok := newest(cands, cur, anyVersion); ok {
			return Update{To: to, Reason: fmt.Sprintf("Machine image %s version %s has expired: updated to %s", image.Name, current, to)}, nil
		}
		return Update{Failed: true, Reason: fmt.Sprintf("Machine image %s version %s has expired, and the cloud profile offers no newer version for %s", image.Name, current, arch)}, nil
	}
	if !autoUpdate {
		return Update{}, nil
	}
	if to, ok := newest(cands, cur, allowed); ok {
		return Update{To: to, Reason: fmt.Sprintf("Machine image %s version %s updated to %s", image.Name, current, to)}, nil
	}
	return Update{}, nil
}
