package seed

import (
	gardenletconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/gardenlet/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// ResourceShoots is the resource of the configuration's resources.capacity and
// resources.reserved that the controller reports as the Seed's status.capacity and
// status.allocatable.
const ResourceShoots corev1.ResourceName = "shoots"

// Desired returns the Seed that the seed template describes, with Gardener's defaults: the
// labels (with gardener.cloud/role=seed, as Gardener sets it), annotations and spec that
// the gardenlet registers.
func Desired(template *gardenletconfigv1alpha1.SeedConfig) *gardencorev1beta1.Seed {
	seed := &gardencorev1beta1.Seed{}
	seed.Name = template.Name
	seed.Labels = map[string]string{v1beta1constants.GardenRole: v1beta1constants.GardenRoleSeed}
	for k, v := range template.Labels {
		seed.Labels[k] = v
	}
	for k, v := range template.Annotations {
		if seed.Annotations == nil {
			seed.Annotations = map[string]string{}
		}
		seed.Annotations[k] = v
	}
	seed.Spec = *template.Spec.DeepCopy()
	gardencorev1beta1.SetObjectDefaults_Seed(seed)
	return seed
}

// ShootCapacity returns the status.capacity and status.allocatable of a Seed from the
// configuration's resources: the capacity of shoots, and the capacity less the reserved
// shoots. Both are nil when no capacity is configured.
func ShootCapacity(res *gardenletconfigv1alpha1.ResourcesConfiguration) (capacity, allocatable corev1.ResourceList) {
	if res == nil {
		return nil, nil
	}
	c, ok := res.Capacity[ResourceShoots]
	if !ok {
		return nil, nil
	}
	a := c.DeepCopy()
	if r, ok := res.Reserved[ResourceShoots]; ok {
		a.Sub(r)
	}
	if a.Sign() < 0 {
		a = resource.MustParse("0")
	}
	return corev1.ResourceList{ResourceShoots: c.DeepCopy()}, corev1.ResourceList{ResourceShoots: a}
}
