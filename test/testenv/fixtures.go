package testenv

import (
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CloudProfile returns a CloudProfile that the garden's admission accepts: the provider
// type, the regions ("local" when none are given), the Kubernetes versions (1.36.3 when
// none are given), one machine type "local" and one machine image "local" 1.0.0.
func CloudProfile(name, providerType string, regions []string, versions ...gardencorev1beta1.ExpirableVersion) *gardencorev1beta1.CloudProfile {
	if len(regions) == 0 {
		regions = []string{"local"}
	}
	if len(versions) == 0 {
		versions = []gardencorev1beta1.ExpirableVersion{{Version: "1.36.3"}}
	}
	profile := &gardencorev1beta1.CloudProfile{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: gardencorev1beta1.CloudProfileSpec{
			Type:         providerType,
			Kubernetes:   gardencorev1beta1.KubernetesSettings{Versions: versions},
			MachineTypes: []gardencorev1beta1.MachineType{{Name: "local", CPU: resource.MustParse("1"), Memory: resource.MustParse("1Gi")}},
			MachineImages: []gardencorev1beta1.MachineImage{{Name: "local", Versions: []gardencorev1beta1.MachineImageVersion{{
				ExpirableVersion: gardencorev1beta1.ExpirableVersion{Version: "1.0.0"},
				CRI:              []gardencorev1beta1.CRI{{Name: gardencorev1beta1.CRINameContainerD}},
				Architectures:    []string{"amd64"},
			}}}},
		},
	}
	for _, r := range regions {
		profile.Spec.Regions = append(profile.Spec.Regions, gardencorev1beta1.Region{Name: r})
	}
	return profile
}

// ProviderRegistration returns a ControllerRegistration for the ControlPlane,
// Infrastructure and Worker kinds of providerType, which the ExtensionValidator admission
// plugin requires before shoots of that type are accepted.
func ProviderRegistration(name, providerType string) *gardencorev1beta1.ControllerRegistration {
	return &gardencorev1beta1.ControllerRegistration{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: gardencorev1beta1.ControllerRegistrationSpec{Resources: []gardencorev1beta1.ControllerResource{
			{Kind: "ControlPlane", Type: providerType}, {Kind: "Infrastructure", Type: providerType}, {Kind: "Worker", Type: providerType},
		}},
	}
}
