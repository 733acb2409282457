package shoot

import (
	"testing"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func TestWorkerPool(t *testing.T) {
	g := NewWithT(t)
	w := gardencorev1beta1.Worker{
		Name:    "pool",
		Machine: gardencorev1beta1.Machine{Type: "local", Image: &gardencorev1beta1.ShootMachineImage{Name: "local", Version: ptr.To("1.0.0")}},
		Minimum: 1, Maximum: 2,
	}

	// Defaults: the shoot's version, maxSurge 1, maxUnavailable 0, no volumes.
	pool := workerPool(w, "1.33.2", "local", "user-data")
	g.Expect(pool.KubernetesVersion).To(HaveValue(Equal("1.33.2")))
	g.Expect(pool.MaxSurge).To(Equal(intstr.FromInt32(1)))
	g.Expect(pool.MaxUnavailable).To(Equal(intstr.FromInt32(0)))
	g.Expect(pool.MachineImage).To(Equal(extensionsv1alpha1.MachineImage{Name: "local", Version: "1.0.0"}))
	g.Expect(pool.UserDataSecretRef.Name).To(Equal("user-data"))
	g.Expect(pool.Volume).To(BeNil())
	g.Expect(pool.DataVolumes).To(BeEmpty())

	// What provider extensions act on reaches the Worker: a pool's own Kubernetes version,
	// its volumes and its machine-controller-manager settings.
	w.Kubernetes = &gardencorev1beta1.WorkerKubernetes{Version: ptr.To("1.31.4"), Kubelet: &gardencorev1beta1.KubeletConfig{MaxPods: ptr.To[int32](50)}}
	w.Volume = &gardencorev1beta1.Volume{Type: ptr.To("ssd"), VolumeSize: "20Gi", Encrypted: ptr.To(true)}
	w.DataVolumes = []gardencorev1beta1.DataVolume{{Name: "data", VolumeSize: "50Gi"}}
	w.KubeletDataVolumeName = ptr.To("data")
	w.MachineControllerManagerSettings = &gardencorev1beta1.MachineControllerManagerSettings{MachineDrainTimeout: &metav1.Duration{Duration: 42}}
	w.Priority = ptr.To[int32](3)
	pool = workerPool(w, "1.33.2", "local", "user-data")
	g.Expect(pool.KubernetesVersion).To(HaveValue(Equal("1.31.4")))
	g.Expect(pool.KubeletConfig.MaxPods).To(HaveValue(BeEquivalentTo(50)))
	g.Expect(pool.Volume).To(Equal(&extensionsv1alpha1.Volume{Type: ptr.To("ssd"), Size: "20Gi", Encrypted: ptr.To(true)}))
	g.Expect(pool.DataVolumes).To(Equal([]extensionsv1alpha1.DataVolume{{Name: "data", Size: "50Gi"}}))
	g.Expect(pool.KubeletDataVolumeName).To(HaveValue(Equal("data")))
	g.Expect(pool.MachineControllerManagerSettings).To(Equal(w.MachineControllerManagerSettings))
	g.Expect(pool.Priority).To(HaveValue(BeEquivalentTo(3)))
}
