package shootmaintenance

import (
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

var (
	now       = time.Date(2026, 3, 11, 22, 30, 0, 0, time.UTC)
	yesterday = &metav1.Time{Time: now.Add(-24 * time.Hour)}
	tomorrow  = &metav1.Time{Time: now.Add(24 * time.Hour)}
)

func v(version string, mutate ...func(*gardencorev1beta1.ExpirableVersion)) gardencorev1beta1.ExpirableVersion {
	e := gardencorev1beta1.ExpirableVersion{Version: version}
	for _, m := range mutate {
		m(&e)
	}
	return e
}

func expired(e *gardencorev1beta1.ExpirableVersion)  { e.ExpirationDate = yesterday }
func expiring(e *gardencorev1beta1.ExpirableVersion) { e.ExpirationDate = tomorrow }
func preview(e *gardencorev1beta1.ExpirableVersion) {
	e.Classification = ptr.To(gardencorev1beta1.ClassificationPreview)
}
func lifecycleExpired(e *gardencorev1beta1.ExpirableVersion) {
	e.Lifecycle = []gardencorev1beta1.LifecycleStage{
		{Classification: gardencorev1beta1.ClassificationSupported},
		{Classification: gardencorev1beta1.ClassificationExpired, StartTime: yesterday},
	}
}
func lifecycleFuture(e *gardencorev1beta1.ExpirableVersion) {
	e.Lifecycle = []gardencorev1beta1.LifecycleStage{{Classification: gardencorev1beta1.ClassificationSupported, StartTime: tomorrow}}
}

func TestKubernetesVersion(t *testing.T) {
	profile := []gardencorev1beta1.ExpirableVersion{
		v("1.34.2"), v("1.35.1"), v("1.35.4"), v("1.35.5", preview), v("1.35.6", expired), v("1.36.1", preview), v("1.36.3"), v("1.36.4", lifecycleFuture),
	}
	for _, tc := range []struct {
		name       string
		current    string
		autoUpdate bool
		versions   []gardencorev1beta1.ExpirableVersion
		wantTo     string
		wantFailed bool
	}{
		{name: "auto-update: newest patch of the minor, skipping preview and expired", current: "1.35.1", autoUpdate: true, versions: profile, wantTo: "1.35.4"},
		{name: "auto-update never moves to another minor", current: "1.34.2", autoUpdate: true, versions: profile},
		{name: "auto-update skips versions not available yet", current: "1.36.3", autoUpdate: true, versions: profile},
		{name: "already the newest patch", current: "1.35.4", autoUpdate: true, versions: profile},
		{name: "no auto-update: the version stays", current: "1.35.1", versions: profile},
		{
			name: "expired without auto-update: newest patch of the minor", current: "1.35.1",
			versions: []gardencorev1beta1.ExpirableVersion{v("1.35.1", expired), v("1.35.4"), v("1.36.3")}, wantTo: "1.35.4",
		},
		{
			name: "expired with no newer patch: newest patch of the next minor", current: "1.35.4",
			versions: []gardencorev1beta1.ExpirableVersion{v("1.35.1"), v("1.35.4", expired), v("1.36.1"), v("1.36.3"), v("1.36.5", preview), v("1.37.0")}, wantTo: "1.36.3",
		},
		{
			name: "expired through its lifecycle", current: "1.35.4",
			versions: []gardencorev1beta1.ExpirableVersion{v("1.35.4", lifecycleExpired), v("1.36.3")}, wantTo: "1.36.3",
		},
		{
			name: "expiring tomorrow is not expired", current: "1.35.4",
			versions: []gardencorev1beta1.ExpirableVersion{v("1.35.4", expiring), v("1.36.3")},
		},
		{
			name: "expired with nothing to move to fails", current: "1.35.4",
			versions: []gardencorev1beta1.ExpirableVersion{v("1.35.4", expired), v("1.36.3", preview), v("1.37.0")}, wantFailed: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			u, err := KubernetesVersion(tc.current, tc.autoUpdate, tc.versions, now)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(u.To).To(Equal(tc.wantTo))
			g.Expect(u.Failed).To(Equal(tc.wantFailed))
			if tc.wantTo != "" || tc.wantFailed {
				g.Expect(u.Reason).To(ContainSubstring(tc.current))
			}
		})
	}
}

func imageVersion(version string, archs []string, mutate ...func(*gardencorev1beta1.ExpirableVersion)) gardencorev1beta1.MachineImageVersion {
	return gardencorev1beta1.MachineImageVersion{ExpirableVersion: v(version, mutate...), Architectures: archs}
}

func TestMachineImageVersion(t *testing.T) {
	amd := []string{"amd64"}
	both := []string{"amd64", "arm64"}
	image := gardencorev1beta1.MachineImage{Name: "gardenlinux", Versions: []gardencorev1beta1.MachineImageVersion{
		imageVersion("1592.1.0", both), imageVersion("1592.4.0", both), imageVersion("1877.2.0", amd),
		imageVersion("1877.3.0", both, preview), imageVersion("1900.0.0", both, expired),
	}}
	withStrategy := func(s gardencorev1beta1.MachineImageUpdateStrategy) gardencorev1beta1.MachineImage {
		i := *image.DeepCopy()
		i.UpdateStrategy = &s
		return i
	}
	for _, tc := range []struct {
		name       string
		image      gardencorev1beta1.MachineImage
		current    string
		arch       string
		autoUpdate bool
		wantTo     string
		wantFailed bool
	}{
		{name: "auto-update (major by default): the newest version, skipping preview and expired", image: image, current: "1592.1.0", arch: "amd64", autoUpdate: true, wantTo: "1877.2.0"},
		{name: "only versions for the worker's architecture", image: image, current: "1592.1.0", arch: "arm64", autoUpdate: true, wantTo: "1592.4.0"},
		{name: "update strategy patch stays in the minor", image: withStrategy(gardencorev1beta1.UpdateStrategyPatch), current: "1592.1.0", arch: "amd64", autoUpdate: true},
		{name: "update strategy minor stays in the major", image: withStrategy(gardencorev1beta1.UpdateStrategyMinor), current: "1592.1.0", arch: "amd64", autoUpdate: true, wantTo: "1592.4.0"},
		{name: "no auto-update: the version stays", image: image, current: "1592.1.0", arch: "amd64"},
		{
			name: "expired without auto-update: the newest version", current: "1592.1.0", arch: "amd64",
			image:  gardencorev1beta1.MachineImage{Name: "gardenlinux", Versions: []gardencorev1beta1.MachineImageVersion{imageVersion("1592.1.0", amd, expired), imageVersion("1592.4.0", amd), imageVersion("1877.2.0", amd)}},
			wantTo: "1877.2.0",
		},
		{
			name: "expired beyond the update strategy: the newest version", current: "1592.4.0", arch: "amd64",
			image: gardencorev1beta1.MachineImage{Name: "gardenlinux", UpdateStrategy: ptr.To(gardencorev1beta1.UpdateStrategyPatch), Versions: []gardencorev1beta1.MachineImageVersion{
				imageVersion("1592.4.0", amd, expired), imageVersion("1877.2.0", amd),
			}},
			wantTo: "1877.2.0",
		},
		{
			name: "expired with nothing to move to fails", current: "1592.4.0", arch: "amd64",
			image: gardencorev1beta1.MachineImage{Name: "gardenlinux", Versions: []gardencorev1beta1.MachineImageVersion{
				imageVersion("1592.4.0", amd, expired), imageVersion("1877.2.0", amd, preview), imageVersion("1877.3.0", []string{"arm64"}),
			}},
			wantFailed: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			u, err := MachineImageVersion(tc.image, tc.current, tc.arch, tc.autoUpdate, now)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(u.To).To(Equal(tc.wantTo))
			g.Expect(u.Failed).To(Equal(tc.wantFailed))
		})
	}
}

func TestMaintain(t *testing.T) {
	g := NewWithT(t)
	profile := &gardencorev1beta1.CloudProfileSpec{
		Kubernetes: gardencorev1beta1.KubernetesSettings{Versions: []gardencorev1beta1.ExpirableVersion{v("1.35.1"), v("1.35.4")}},
		MachineImages: []gardencorev1beta1.MachineImage{{Name: "local", Versions: []gardencorev1beta1.MachineImageVersion{
			imageVersion("1.0.0", nil, expired), imageVersion("1.1.0", nil),
		}}},
	}
	shoot := &gardencorev1beta1.Shoot{Spec: gardencorev1beta1.ShootSpec{
		Kubernetes:  gardencorev1beta1.Kubernetes{Version: "1.35.1"},
		Maintenance: &gardencorev1beta1.Maintenance{AutoUpdate: &gardencorev1beta1.MaintenanceAutoUpdate{KubernetesVersion: true}},
		Provider: gardencorev1beta1.Provider{Workers: []gardencorev1beta1.Worker{
			{Name: "a", Machine: gardencorev1beta1.Machine{Image: &gardencorev1beta1.ShootMachineImage{Name: "local", Version: ptr.To("1.0.0")}}},
			{Name: "b", Machine: gardencorev1beta1.Machine{Image: &gardencorev1beta1.ShootMachineImage{Name: "local", Version: ptr.To("1.1.0")}}},
			{Name: "c", Machine: gardencorev1beta1.Machine{Image: &gardencorev1beta1.ShootMachineImage{Name: "other", Version: ptr.To("1.0.0")}}},
		}},
	}}
	result, err := Maintain(shoot, profile, now)
	g.Expect(err).NotTo(HaveOccurred())
	result.Apply(shoot)
	g.Expect(shoot.Spec.Kubernetes.Version).To(Equal("1.35.4"))
	g.Expect(shoot.Spec.Provider.Workers[0].Machine.Image.Version).To(HaveValue(Equal("1.1.0")))
	g.Expect(shoot.Spec.Provider.Workers[1].Machine.Image.Version).To(HaveValue(Equal("1.1.0")))
	g.Expect(shoot.Spec.Provider.Workers[2].Machine.Image.Version).To(HaveValue(Equal("1.0.0")))

	last := result.LastMaintenance(now)
	g.Expect(last.State).To(Equal(gardencorev1beta1.LastOperationStateSucceeded))
	g.Expect(last.TriggeredTime.Time).To(Equal(now))
	g.Expect(last.Description).To(And(ContainSubstring("1.35.4"), ContainSubstring("Worker pool a: Machine image local version 1.0.0 has expired")))
	g.Expect(last.FailureReason).To(BeNil())
}
