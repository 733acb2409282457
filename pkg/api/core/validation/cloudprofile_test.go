package validation_test

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/gardener/gardener/pkg/apis/core"

	"github.com/hortus-dev/hortus/pkg/api/core/validation"
)

var (
	jan = metav1.NewTime(time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC))
	feb = metav1.NewTime(time.Date(2025, time.February, 1, 0, 0, 0, 0, time.UTC))
)

// newCloudProfileSpec returns a valid, defaulted cloud profile specification.
func newCloudProfileSpec() core.CloudProfileSpec {
	return core.CloudProfileSpec{
		Type: "local",
		Kubernetes: core.KubernetesSettings{Versions: []core.ExpirableVersion{
			{Version: "1.34.1"},
			{Version: "1.33.2", Classification: ptr.To(core.ClassificationSupported)},
			{Version: "1.32.9", Classification: ptr.To(core.ClassificationDeprecated), ExpirationDate: &feb},
		}},
		MachineImages: []core.MachineImage{{
			Name:           "gardenlinux",
			UpdateStrategy: ptr.To(core.UpdateStrategyMajor),
			Versions: []core.MachineImageVersion{
				{
					ExpirableVersion:         core.ExpirableVersion{Version: "1592.1.0"},
					CRI:                      []core.CRI{{Name: core.CRINameContainerD, ContainerRuntimes: []core.ContainerRuntime{{Type: "gvisor"}}}},
					Architectures:            []string{"amd64", "arm64"},
					KubeletVersionConstraint: ptr.To(">= 1.30"),
					InPlaceUpdates:           &core.InPlaceUpdates{Supported: true, MinVersionForUpdate: ptr.To("1443.0.0")},
				},
				{
					ExpirableVersion: core.ExpirableVersion{Version: "1443.3.0"},
					CRI:              []core.CRI{{Name: core.CRINameContainerD}},
					Architectures:    []string{"amd64"},
				},
			},
		}},
		MachineTypes: []core.MachineType{{
			Name:         "m5.large",
			CPU:          resource.MustParse("2"),
			GPU:          resource.MustParse("0"),
			Memory:       resource.MustParse("8Gi"),
			Architecture: ptr.To("amd64"),
			Usable:       ptr.To(true),
		}},
		VolumeTypes: []core.VolumeType{{Name: "gp3", Class: "standard", Usable: ptr.To(true)}},
		Regions: []core.Region{{
			Name:  "europe-central-1",
			Zones: []core.AvailabilityZone{{Name: "europe-central-1a"}, {Name: "europe-central-1b"}},
		}},
	}
}

func newCloudProfile() *core.CloudProfile {
	return &core.CloudProfile{ObjectMeta: metav1.ObjectMeta{Name: "local", ResourceVersion: "1"}, Spec: newCloudProfileSpec()}
}

func kubernetesVersion(spec *core.CloudProfileSpec, i int) *core.ExpirableVersion {
	return &spec.Kubernetes.Versions[i]
}

func imageVersion(spec *core.CloudProfileSpec, i int) *core.MachineImageVersion {
	return &spec.MachineImages[0].Versions[i]
}

func TestValidateCloudProfileSpec(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.CloudProfileSpec)
		want   []types.GomegaMatcher
	}{
		{name: "valid"},
		{
			name:   "type missing",
			mutate: func(s *core.CloudProfileSpec) { s.Type = "" },
			want:   errs(required("spec.type")),
		},
		{
			name:   "no Kubernetes versions",
			mutate: func(s *core.CloudProfileSpec) { s.Kubernetes.Versions = nil },
			want:   errs(required("spec.kubernetes.versions")),
		},
		{
			name:   "Kubernetes version not semver",
			mutate: func(s *core.CloudProfileSpec) { kubernetesVersion(s, 1).Version = "1.33" },
			want:   errs(invalid("spec.kubernetes.versions[1].version")),
		},
		{
			name:   "Kubernetes version with a v prefix",
			mutate: func(s *core.CloudProfileSpec) { kubernetesVersion(s, 1).Version = "v1.33.2" },
			want:   errs(invalid("spec.kubernetes.versions[1].version")),
		},
		{
			name:   "duplicate Kubernetes version",
			mutate: func(s *core.CloudProfileSpec) { kubernetesVersion(s, 1).Version = "1.34.1" },
			want:   errs(duplicate("spec.kubernetes.versions[1].version")),
		},
		{
			name: "unsupported classification",
			mutate: func(s *core.CloudProfileSpec) {
				kubernetesVersion(s, 1).Classification = ptr.To(core.VersionClassification("stable"))
			},
			want: errs(notSupported("spec.kubernetes.versions[1].classification")),
		},
		{
			name: "classification expired outside a lifecycle",
			mutate: func(s *core.CloudProfileSpec) {
				kubernetesVersion(s, 1).Classification = ptr.To(core.ClassificationExpired)
			},
			want: errs(notSupported("spec.kubernetes.versions[1].classification")),
		},
		{
			name:   "latest Kubernetes version expires",
			mutate: func(s *core.CloudProfileSpec) { kubernetesVersion(s, 0).ExpirationDate = &feb },
			want:   errs(forbidden("spec.kubernetes.versions[0].expirationDate")),
		},
		{
			name: "lifecycle",
			mutate: func(s *core.CloudProfileSpec) {
				kubernetesVersion(s, 1).Classification = nil
				kubernetesVersion(s, 1).Lifecycle = []core.LifecycleStage{
					{Classification: core.ClassificationPreview},
					{Classification: core.ClassificationSupported, StartTime: &jan},
					{Classification: core.ClassificationExpired, StartTime: &feb},
				}
			},
		},
		{
			name: "lifecycle together with classification and expiration date",
			mutate: func(s *core.CloudProfileSpec) {
				kubernetesVersion(s, 2).Lifecycle = []core.LifecycleStage{{Classification: core.ClassificationPreview}}
			},
			want: errs(forbidden("spec.kubernetes.versions[2].classification"), forbidden("spec.kubernetes.versions[2].expirationDate")),
		},
		{
			name: "lifecycle out of order, with a duplicate, an unknown stage and a missing start time",
			mutate: func(s *core.CloudProfileSpec) {
				kubernetesVersion(s, 1).Classification = nil
				kubernetesVersion(s, 1).Lifecycle = []core.LifecycleStage{
					{Classification: core.ClassificationSupported},
					{Classification: core.ClassificationPreview, StartTime: &jan},
					{Classification: core.ClassificationSupported, StartTime: &feb},
					{Classification: "retired", StartTime: &feb},
					{Classification: core.ClassificationDeprecated},
				}
			},
			want: errs(
				invalid("spec.kubernetes.versions[1].lifecycle[1].classification"),
				duplicate("spec.kubernetes.versions[1].lifecycle[2].classification"),
				notSupported("spec.kubernetes.versions[1].lifecycle[3].classification"),
				required("spec.kubernetes.versions[1].lifecycle[4].startTime"),
			),
		},
		{
			name: "lifecycle start times going back",
			mutate: func(s *core.CloudProfileSpec) {
				kubernetesVersion(s, 1).Classification = nil
				kubernetesVersion(s, 1).Lifecycle = []core.LifecycleStage{
					{Classification: core.ClassificationPreview, StartTime: &feb},
					{Classification: core.ClassificationSupported, StartTime: &jan},
				}
			},
			want: errs(invalid("spec.kubernetes.versions[1].lifecycle[1].startTime")),
		},
		{
			name:   "no machine images",
			mutate: func(s *core.CloudProfileSpec) { s.MachineImages = nil },
			want:   errs(required("spec.machineImages")),
		},
		{
			name:   "duplicate machine image",
			mutate: func(s *core.CloudProfileSpec) { s.MachineImages = append(s.MachineImages, s.MachineImages[0]) },
			want:   errs(duplicate("spec.machineImages[1].name")),
		},
		{
			name:   "machine image without name",
			mutate: func(s *core.CloudProfileSpec) { s.MachineImages[0].Name = "" },
			want:   errs(required("spec.machineImages[0].name")),
		},
		{
			name:   "machine image without versions",
			mutate: func(s *core.CloudProfileSpec) { s.MachineImages[0].Versions = nil },
			want:   errs(required("spec.machineImages[0].versions")),
		},
		{
			name:   "machine image without update strategy",
			mutate: func(s *core.CloudProfileSpec) { s.MachineImages[0].UpdateStrategy = nil },
			want:   errs(required("spec.machineImages[0].updateStrategy")),
		},
		{
			name:   "machine image version not semver",
			mutate: func(s *core.CloudProfileSpec) { imageVersion(s, 1).Version = "stable" },
			want:   errs(invalid("spec.machineImages[0].versions[1].version")),
		},
		{
			name:   "duplicate machine image version",
			mutate: func(s *core.CloudProfileSpec) { imageVersion(s, 1).Version = "1592.1.0" },
			want:   errs(duplicate("spec.machineImages[0].versions[1].version")),
		},
		{
			name:   "machine image version without CRI",
			mutate: func(s *core.CloudProfileSpec) { imageVersion(s, 1).CRI = nil },
			want:   errs(required("spec.machineImages[0].versions[1].cri")),
		},
		{
			name: "unsupported CRI and duplicate container runtime",
			mutate: func(s *core.CloudProfileSpec) {
				imageVersion(s, 0).CRI = append(imageVersion(s, 0).CRI, core.CRI{Name: "docker"})
				imageVersion(s, 0).CRI[0].ContainerRuntimes = append(imageVersion(s, 0).CRI[0].ContainerRuntimes, core.ContainerRuntime{Type: "gvisor"})
			},
			want: errs(
				notSupported("spec.machineImages[0].versions[0].cri[1].name"),
				duplicate("spec.machineImages[0].versions[0].cri[0].containerRuntimes[1].type"),
			),
		},
		{
			name:   "machine image version without architectures",
			mutate: func(s *core.CloudProfileSpec) { imageVersion(s, 1).Architectures = nil },
			want:   errs(required("spec.machineImages[0].versions[1].architectures")),
		},
		{
			name:   "unsupported architecture",
			mutate: func(s *core.CloudProfileSpec) { imageVersion(s, 1).Architectures = []string{"s390x"} },
			want:   errs(notSupported("spec.machineImages[0].versions[1].architectures[0]")),
		},
		{
			name: "architectures described by machine capabilities",
			mutate: func(s *core.CloudProfileSpec) {
				s.MachineCapabilities = []core.CapabilityDefinition{{Name: "architecture", Values: []string{"amd64"}}}
				imageVersion(s, 1).Architectures = nil
				s.MachineTypes[0].Architecture = nil
			},
		},
		{
			name: "invalid kubelet version constraint",
			mutate: func(s *core.CloudProfileSpec) {
				imageVersion(s, 0).KubeletVersionConstraint = ptr.To("newer than 1.30")
			},
			want: errs(invalid("spec.machineImages[0].versions[0].kubeletVersionConstraint")),
		},
		{
			name:   "no machine types",
			mutate: func(s *core.CloudProfileSpec) { s.MachineTypes = nil },
			want:   errs(required("spec.machineTypes")),
		},
		{
			name:   "duplicate machine type",
			mutate: func(s *core.CloudProfileSpec) { s.MachineTypes = append(s.MachineTypes, s.MachineTypes[0]) },
			want:   errs(duplicate("spec.machineTypes[1].name")),
		},
		{
			name: "machine type without CPU and memory",
			mutate: func(s *core.CloudProfileSpec) {
				s.MachineTypes[0].CPU, s.MachineTypes[0].Memory = resource.Quantity{}, resource.Quantity{}
			},
			want: errs(required("spec.machineTypes[0].cpu"), required("spec.machineTypes[0].memory")),
		},
		{
			name:   "machine type with negative GPU",
			mutate: func(s *core.CloudProfileSpec) { s.MachineTypes[0].GPU = resource.MustParse("-1") },
			want:   errs(invalid("spec.machineTypes[0].gpu")),
		},
		{
			name:   "machine type without architecture",
			mutate: func(s *core.CloudProfileSpec) { s.MachineTypes[0].Architecture = nil },
			want:   errs(required("spec.machineTypes[0].architecture")),
		},
		{
			name:   "duplicate volume type",
			mutate: func(s *core.CloudProfileSpec) { s.VolumeTypes = append(s.VolumeTypes, s.VolumeTypes[0]) },
			want:   errs(duplicate("spec.volumeTypes[1].name")),
		},
		{
			name:   "volume type without class",
			mutate: func(s *core.CloudProfileSpec) { s.VolumeTypes[0].Class = "" },
			want:   errs(required("spec.volumeTypes[0].class")),
		},
		{
			name:   "no regions",
			mutate: func(s *core.CloudProfileSpec) { s.Regions = nil },
			want:   errs(required("spec.regions")),
		},
		{
			name:   "duplicate region",
			mutate: func(s *core.CloudProfileSpec) { s.Regions = append(s.Regions, core.Region{Name: "europe-central-1"}) },
			want:   errs(duplicate("spec.regions[1].name")),
		},
		{
			name:   "region without name",
			mutate: func(s *core.CloudProfileSpec) { s.Regions[0].Name = "" },
			want:   errs(required("spec.regions[0].name")),
		},
		{
			name:   "duplicate zone",
			mutate: func(s *core.CloudProfileSpec) { s.Regions[0].Zones[1].Name = "europe-central-1a" },
			want:   errs(duplicate("spec.regions[0].zones[1].name")),
		},
		{
			name:   "limit of zero nodes",
			mutate: func(s *core.CloudProfileSpec) { s.Limits = &core.Limits{MaxNodesTotal: ptr.To[int32](0)} },
			want:   errs(invalid("spec.limits.maxNodesTotal")),
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := newCloudProfileSpec()
			if tt.mutate != nil {
				tt.mutate(&spec)
			}
			NewWithT(t).Expect(validation.ValidateCloudProfileSpec(&spec, field.NewPath("spec"))).To(consistOfErrors(tt.want))
		})
	}
}

func TestValidateCloudProfile(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.CloudProfile)
		want   []types.GomegaMatcher
	}{
		{name: "valid"},
		{name: "name is a DNS subdomain", mutate: func(p *core.CloudProfile) { p.Name = "aws.eu" }},
		{
			name:   "name missing",
			mutate: func(p *core.CloudProfile) { p.Name = "" },
			want:   errs(required("metadata.name")),
		},
		{
			name:   "spec validated",
			mutate: func(p *core.CloudProfile) { p.Spec.Type = "" },
			want:   errs(required("spec.type")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			profile := newCloudProfile()
			if tt.mutate != nil {
				tt.mutate(profile)
			}
			NewWithT(t).Expect(validation.ValidateCloudProfile(profile)).To(consistOfErrors(tt.want))
		})
	}
}

func TestValidateCloudProfileUpdate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.CloudProfile)
		want   []types.GomegaMatcher
	}{
		{name: "unchanged"},
		{name: "version added", mutate: func(p *core.CloudProfile) {
			p.Spec.Kubernetes.Versions = append(p.Spec.Kubernetes.Versions, core.ExpirableVersion{Version: "1.34.2"})
		}},
		{
			name:   "name changed",
			mutate: func(p *core.CloudProfile) { p.Name = "other" },
			want:   errs(invalid("metadata.name")),
		},
		{
			name:   "new profile invalid",
			mutate: func(p *core.CloudProfile) { p.Spec.Regions = nil },
			want:   errs(required("spec.regions")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			profile := newCloudProfile()
			if tt.mutate != nil {
				tt.mutate(profile)
			}
			NewWithT(t).Expect(validation.ValidateCloudProfileUpdate(profile, newCloudProfile())).To(consistOfErrors(tt.want))
		})
	}
}

// newNamespacedCloudProfile returns a valid NamespacedCloudProfile that extends its parent.
func newNamespacedCloudProfile() *core.NamespacedCloudProfile {
	return &core.NamespacedCloudProfile{
		ObjectMeta: metav1.ObjectMeta{Name: "local-dev", Namespace: "garden-dev", ResourceVersion: "1"},
		Spec: core.NamespacedCloudProfileSpec{
			Parent:     core.CloudProfileReference{Kind: "CloudProfile", Name: "local"},
			Kubernetes: &core.KubernetesSettings{Versions: []core.ExpirableVersion{{Version: "1.32.9", ExpirationDate: &feb}}},
			MachineImages: []core.MachineImage{
				{Name: "gardenlinux", Versions: []core.MachineImageVersion{{ExpirableVersion: core.ExpirableVersion{Version: "1443.3.0", ExpirationDate: &feb}}}},
				{Name: "ubuntu"},
			},
			MachineTypes: []core.MachineType{{Name: "big", CPU: resource.MustParse("64"), Memory: resource.MustParse("256Gi")}},
		},
	}
}

func TestValidateNamespacedCloudProfile(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.NamespacedCloudProfile)
		want   []types.GomegaMatcher
	}{
		{name: "valid"},
		{name: "only a parent", mutate: func(p *core.NamespacedCloudProfile) {
			p.Spec = core.NamespacedCloudProfileSpec{Parent: p.Spec.Parent}
		}},
		{
			name:   "namespace missing",
			mutate: func(p *core.NamespacedCloudProfile) { p.Namespace = "" },
			want:   errs(required("metadata.namespace")),
		},
		{
			name:   "parent of another kind",
			mutate: func(p *core.NamespacedCloudProfile) { p.Spec.Parent.Kind = "NamespacedCloudProfile" },
			want:   errs(notSupported("spec.parent.kind")),
		},
		{
			name:   "parent without name",
			mutate: func(p *core.NamespacedCloudProfile) { p.Spec.Parent.Name = "" },
			want:   errs(required("spec.parent.name")),
		},
		{
			name: "Kubernetes version with classification",
			mutate: func(p *core.NamespacedCloudProfile) {
				p.Spec.Kubernetes.Versions[0].Classification = ptr.To(core.ClassificationSupported)
			},
			want: errs(forbidden("spec.kubernetes.versions[0].classification")),
		},
		{
			name:   "Kubernetes version not semver",
			mutate: func(p *core.NamespacedCloudProfile) { p.Spec.Kubernetes.Versions[0].Version = "1.32" },
			want:   errs(invalid("spec.kubernetes.versions[0].version")),
		},
		{
			name:   "duplicate machine image",
			mutate: func(p *core.NamespacedCloudProfile) { p.Spec.MachineImages[1].Name = "gardenlinux" },
			want:   errs(duplicate("spec.machineImages[1].name")),
		},
		{
			name: "machine image version not semver",
			mutate: func(p *core.NamespacedCloudProfile) {
				p.Spec.MachineImages[0].Versions[0].Version = "latest"
			},
			want: errs(invalid("spec.machineImages[0].versions[0].version")),
		},
		{
			name: "duplicate machine type",
			mutate: func(p *core.NamespacedCloudProfile) {
				p.Spec.MachineTypes = append(p.Spec.MachineTypes, p.Spec.MachineTypes[0])
			},
			want: errs(duplicate("spec.machineTypes[1].name")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			profile := newNamespacedCloudProfile()
			if tt.mutate != nil {
				tt.mutate(profile)
			}
			NewWithT(t).Expect(validation.ValidateNamespacedCloudProfile(profile)).To(consistOfErrors(tt.want))
		})
	}
}

func TestValidateNamespacedCloudProfileUpdate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.NamespacedCloudProfile)
		want   []types.GomegaMatcher
	}{
		{name: "unchanged"},
		{name: "machine types removed", mutate: func(p *core.NamespacedCloudProfile) { p.Spec.MachineTypes = nil }},
		{
			name:   "parent changed",
			mutate: func(p *core.NamespacedCloudProfile) { p.Spec.Parent.Name = "other" },
			want:   errs(invalid("spec.parent")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			profile := newNamespacedCloudProfile()
			if tt.mutate != nil {
				tt.mutate(profile)
			}
			NewWithT(t).Expect(validation.ValidateNamespacedCloudProfileUpdate(profile, newNamespacedCloudProfile())).To(consistOfErrors(tt.want))
		})
	}
}
