package gardenlet

import (
	"testing"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
)

func TestCacheOptions(t *testing.T) {
	g := NewWithT(t)
	opts := CacheOptions("local", "leases")
	selectors := map[string]string{}
	for obj, by := range opts.ByObject {
		g.Expect(by.Field).NotTo(BeNil(), "%T is restricted by a field selector", obj)
		switch obj.(type) {
		case *gardencorev1beta1.Shoot:
			selectors["Shoot"] = by.Field.String()
		case *gardencorev1beta1.Seed:
			selectors["Seed"] = by.Field.String()
		case *gardencorev1beta1.BackupBucket:
			selectors["BackupBucket"] = by.Field.String()
		case *gardencorev1beta1.BackupEntry:
			selectors["BackupEntry"] = by.Field.String()
		case *coordinationv1.Lease:
			selectors["Lease"] = by.Field.String()
			g.Expect(by.Namespaces).To(HaveLen(1))
			g.Expect(by.Namespaces).To(HaveKey("leases"))
		}
	}
	g.Expect(selectors).To(Equal(map[string]string{
		"Shoot":        "spec.seedName=local",
		"Seed":         "metadata.name=local",
		"BackupBucket": "spec.seedName=local",
		"BackupEntry":  "spec.seedName=local",
		"Lease":        "metadata.name=local",
	}))
}
