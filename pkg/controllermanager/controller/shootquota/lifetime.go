package shootquota

import (
	"fmt"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
)

// Lifetime returns the shortest spec.clusterLifetimeDays among quotas as a duration, and
// false if none of them limits the lifetime.
func Lifetime(quotas []gardencorev1beta1.Quota) (time.Duration, bool) {
	var (
		shortest int32
		found    bool
	)
	for _, q := range quotas {
		days := q.Spec.ClusterLifetimeDays
		if days == nil {
			continue
		}
		if !found || *days < shortest {
			shortest, found = *days, true
		}
	}
	return time.Duration(shortest) * 24 * time.Hour, found
}

// Expiration returns when shoot expires: the time in its
// shoot.gardener.cloud/expiration-timestamp annotation (RFC 3339) if it has one, else its
// creation time plus lifetime. annotate is true when the annotation is missing and should
// be set to the returned time. The error is for an annotation that cannot be parsed.
func Expiration(shoot *gardencorev1beta1.Shoot, lifetime time.Duration) (expires time.Time, annotate bool, err error) {
	if value, ok := shoot.Annotations[v1beta1constants.ShootExpirationTimestamp]; ok {
		t, err := time.Parse(time.RFC3339, value)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("invalid annotation %s=%q: %w", v1beta1constants.ShootExpirationTimestamp, value, err)
		}
		return t, false, nil
	}
	return shoot.CreationTimestamp.Add(lifetime).UTC(), true, nil
}
