package validation_test

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/gardener/gardener/pkg/apis/core"

	"github.com/hortus-dev/hortus/pkg/api/core/validation"
)

// newShoot returns a valid Shoot with one worker pool, as the API server holds it after defaulting.
func newShoot() *core.Shoot {
	return &core.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "garden-dev", ResourceVersion: "1"},
		Spec: core.ShootSpec{
			CloudProfile: &core.CloudProfileReference{Kind: "CloudProfile", Name: "local"},
			Region:       "local",
			Provider: core.Provider{
				Type: "local",
				Workers: []core.Worker{{
					Name:           "pool",
					Machine:        core.Machine{Type: "local", Architecture: ptr.To("amd64")},
					CRI:            &core.CRI{Name: core.CRINameContainerD},
					Minimum:        1,
					Maximum:        2,
					MaxSurge:       ptr.To(intstr.FromInt32(1)),
					MaxUnavailable: ptr.To(intstr.FromInt32(0)),
				}},
			},
			Kubernetes: core.Kubernetes{Version: "1.33.2"},
			Networking: &core.Networking{
				Type:       ptr.To("calico"),
				Nodes:      ptr.To("10.0.0.0/16"),
				Pods:       ptr.To("10.1.0.0/16"),
				Services:   ptr.To("10.2.0.0/16"),
				IPFamilies: []core.IPFamily{core.IPFamilyIPv4},
			},
			Maintenance: &core.Maintenance{TimeWindow: &core.MaintenanceTimeWindow{Begin: "220000+0100", End: "230000+0100"}},
			Hibernation: &core.Hibernation{Schedules: []core.HibernationSchedule{{
				Start:    ptr.To("0 20 * * 1-5"),
				End:      ptr.To("0 8 * * 1-5"),
				Location: ptr.To("Europe/Berlin"),
			}}},
			Purpose: ptr.To(core.ShootPurposeEvaluation),
		},
	}
}

// newWorkerlessShoot returns a valid Shoot without workers and without networking.
func newWorkerlessShoot() *core.Shoot {
	shoot := newShoot()
	shoot.Spec.Provider.Workers = nil
	shoot.Spec.Networking = nil
	return shoot
}

// deletingShoot returns newShoot with a deletion timestamp.
func deletingShoot() *core.Shoot {
	shoot := newShoot()
	shoot.DeletionTimestamp = &metav1.Time{Time: time.Date(2025, time.March, 1, 12, 0, 0, 0, time.UTC)}
	return shoot
}

func worker(shoot *core.Shoot) *core.Worker {
	return &shoot.Spec.Provider.Workers[0]
}

func TestValidateShoot(t *testing.T) {
	tests := []struct {
		name   string
		shoot  func() *core.Shoot
		mutate func(*core.Shoot)
		want   []types.GomegaMatcher
	}{
		{name: "valid shoot with workers"},
		{name: "valid workerless shoot without networking", shoot: newWorkerlessShoot},
		{
			name:   "workerless shoot with only a service network",
			shoot:  newWorkerlessShoot,
			mutate: func(s *core.Shoot) { s.Spec.Networking = &core.Networking{Services: ptr.To("10.2.0.0/16")} },
		},
		{
			name:  "workerless shoot with network plugin, nodes and pods",
			shoot: newWorkerlessShoot,
			mutate: func(s *core.Shoot) {
				s.Spec.Networking = &core.Networking{Type: ptr.To("calico"), Nodes: ptr.To("10.0.0.0/16"), Pods: ptr.To("10.1.0.0/16")}
			},
			want: errs(forbidden("spec.networking.type"), forbidden("spec.networking.nodes"), forbidden("spec.networking.pods")),
		},

		// metadata
		{
			name:   "name is not a DNS label",
			mutate: func(s *core.Shoot) { s.Name = "Web_1" },
			want:   errs(invalid("metadata.name")),
		},
		{
			name:   "name with two consecutive hyphens",
			mutate: func(s *core.Shoot) { s.Name = "web--1" },
			want:   errs(invalid("metadata.name")),
		},
		{
			name:   "namespace missing",
			mutate: func(s *core.Shoot) { s.Namespace = "" },
			want:   errs(required("metadata.namespace")),
		},

		// kubernetes version
		{
			name:   "kubernetes version missing",
			mutate: func(s *core.Shoot) { s.Spec.Kubernetes.Version = "" },
			want:   errs(required("spec.kubernetes.version")),
		},
		{
			name:   "kubernetes version not semver",
			mutate: func(s *core.Shoot) { s.Spec.Kubernetes.Version = "latest" },
			want:   errs(invalid("spec.kubernetes.version")),
		},
		{
			name:   "kubernetes version major.minor, completed by admission",
			mutate: func(s *core.Shoot) { s.Spec.Kubernetes.Version = "1.33" },
		},

		// networking
		{
			name:   "networking missing for a shoot with workers",
			mutate: func(s *core.Shoot) { s.Spec.Networking = nil },
			want:   errs(required("spec.networking")),
		},
		{
			name:   "network plugin type missing",
			mutate: func(s *core.Shoot) { s.Spec.Networking.Type = nil },
			want:   errs(required("spec.networking.type")),
		},
		{
			name:   "invalid pod CIDR",
			mutate: func(s *core.Shoot) { s.Spec.Networking.Pods = ptr.To("10.1.0.0/33") },
			want:   errs(invalid("spec.networking.pods")),
		},
		{
			name:   "node CIDR not canonical",
			mutate: func(s *core.Shoot) { s.Spec.Networking.Nodes = ptr.To("10.0.0.1/16") },
			want:   errs(invalidWithDetail("spec.networking.nodes", `canonical form "10.0.0.0/16"`)),
		},
		{
			name:   "IPv6 service CIDR in an IPv4 shoot",
			mutate: func(s *core.Shoot) { s.Spec.Networking.Services = ptr.To("fd00::/108") },
			want:   errs(invalidWithDetail("spec.networking.services", "IPv4")),
		},
		{
			name: "IP families default to IPv4",
			mutate: func(s *core.Shoot) {
				s.Spec.Networking.IPFamilies = nil
				s.Spec.Networking.Pods = ptr.To("fd00:1::/56")
			},
			want: errs(invalid("spec.networking.pods")),
		},
		{
			name: "IPv6 single-stack",
			mutate: func(s *core.Shoot) {
				s.Spec.Networking.IPFamilies = []core.IPFamily{core.IPFamilyIPv6}
				s.Spec.Networking.Nodes = ptr.To("fd00:0::/48")
				s.Spec.Networking.Pods = ptr.To("fd00:1::/48")
				s.Spec.Networking.Services = ptr.To("fd00:2::/108")
			},
			want: errs(invalid("spec.networking.nodes")), // "fd00:0::/48" is not canonical
		},
		{
			name: "dual-stack with CIDRs of both families",
			mutate: func(s *core.Shoot) {
				s.Spec.Networking.IPFamilies = []core.IPFamily{core.IPFamilyIPv4, core.IPFamilyIPv6}
				s.Spec.Networking.Pods = ptr.To("fd00:1::/48")
			},
		},
		{
			name:   "unsupported IP family",
			mutate: func(s *core.Shoot) { s.Spec.Networking.IPFamilies = []core.IPFamily{"IPv5"} },
			want:   errs(notSupported("spec.networking.ipFamilies[0]")),
		},
		{
			name:   "duplicate IP family",
			mutate: func(s *core.Shoot) { s.Spec.Networking.IPFamilies = []core.IPFamily{"IPv4", "IPv4"} },
			want:   errs(duplicate("spec.networking.ipFamilies[1]")),
		},
		{
			name:   "pods inside nodes",
			mutate: func(s *core.Shoot) { s.Spec.Networking.Pods = ptr.To("10.0.128.0/17") },
			want:   errs(invalidWithDetail("spec.networking.pods", "spec.networking.nodes (10.0.0.0/16)")),
		},
		{
			name:   "services contain pods",
			mutate: func(s *core.Shoot) { s.Spec.Networking.Services = ptr.To("10.0.0.0/15") },
			want: errs(
				invalidWithDetail("spec.networking.services", "spec.networking.nodes"),
				invalidWithDetail("spec.networking.services", "spec.networking.pods"),
			),
		},

		// provider and workers
		{
			name:   "provider type missing",
			mutate: func(s *core.Shoot) { s.Spec.Provider.Type = "" },
			want:   errs(required("spec.provider.type")),
		},
		{
			name:   "worker name missing",
			mutate: func(s *core.Shoot) { worker(s).Name = "" },
			want:   errs(required("spec.provider.workers[0].name")),
		},
		{
			name:   "worker name not a DNS label",
			mutate: func(s *core.Shoot) { worker(s).Name = "Pool" },
			want:   errs(invalid("spec.provider.workers[0].name")),
		},
		{
			name:   "worker name longer than 15 characters",
			mutate: func(s *core.Shoot) { worker(s).Name = "a-very-long-pool" },
			want:   errs(tooLong("spec.provider.workers[0].name")),
		},
		{
			name: "duplicate worker names",
			mutate: func(s *core.Shoot) {
				s.Spec.Provider.Workers = append(s.Spec.Provider.Workers, *worker(s).DeepCopy(), *worker(s).DeepCopy())
			},
			want: errs(duplicate("spec.provider.workers[1].name"), duplicate("spec.provider.workers[2].name")),
		},
		{
			name:   "a pool on an older Kubernetes version",
			mutate: func(s *core.Shoot) { worker(s).Kubernetes = &core.WorkerKubernetes{Version: ptr.To("1.30.4")} },
		},
		{
			name:   "a pool's Kubernetes version newer than the control plane's",
			mutate: func(s *core.Shoot) { worker(s).Kubernetes = &core.WorkerKubernetes{Version: ptr.To("1.33.3")} },
			want:   errs(forbidden("spec.provider.workers[0].kubernetes.version")),
		},
		{
			name:   "a pool's Kubernetes version four minor versions older",
			mutate: func(s *core.Shoot) { worker(s).Kubernetes = &core.WorkerKubernetes{Version: ptr.To("1.29.0")} },
			want:   errs(forbidden("spec.provider.workers[0].kubernetes.version")),
		},
		{
			name:   "a pool's Kubernetes version that is not a version",
			mutate: func(s *core.Shoot) { worker(s).Kubernetes = &core.WorkerKubernetes{Version: ptr.To("stable")} },
			want:   errs(invalid("spec.provider.workers[0].kubernetes.version")),
		},
		{
			name:   "minimum greater than maximum",
			mutate: func(s *core.Shoot) { worker(s).Minimum = 3 },
			want:   errs(invalidWithDetail("spec.provider.workers[0].minimum", "minimum must not be greater than maximum")),
		},
		{
			name:   "negative minimum",
			mutate: func(s *core.Shoot) { worker(s).Minimum = -1 },
			want:   errs(invalid("spec.provider.workers[0].minimum")),
		},
		{
			name:   "minimum equals maximum",
			mutate: func(s *core.Shoot) { worker(s).Minimum, worker(s).Maximum = 2, 2 },
		},
		{
			name:   "maxSurge and maxUnavailable both zero",
			mutate: func(s *core.Shoot) { worker(s).MaxSurge = ptr.To(intstr.FromInt32(0)) },
			want:   errs(invalid("spec.provider.workers[0].maxUnavailable")),
		},
		{
			name: "maxSurge 0% and maxUnavailable unset",
			mutate: func(s *core.Shoot) {
				worker(s).MaxSurge, worker(s).MaxUnavailable = ptr.To(intstr.FromString("0%")), nil
			},
			want: errs(invalid("spec.provider.workers[0].maxUnavailable")),
		},
		{
			name: "maxSurge 0 and maxUnavailable 25%",
			mutate: func(s *core.Shoot) {
				worker(s).MaxSurge, worker(s).MaxUnavailable = nil, ptr.To(intstr.FromString("25%"))
			},
		},
		{
			name: "both zero with manual in-place updates",
			mutate: func(s *core.Shoot) {
				worker(s).UpdateStrategy = ptr.To(core.ManualInPlaceUpdate)
				worker(s).MaxSurge, worker(s).MaxUnavailable = nil, nil
			},
		},
		{
			name:   "maxSurge neither integer nor percentage",
			mutate: func(s *core.Shoot) { worker(s).MaxSurge = ptr.To(intstr.FromString("one")) },
			want:   errs(invalid("spec.provider.workers[0].maxSurge")),
		},
		{
			name:   "maxUnavailable above 100%",
			mutate: func(s *core.Shoot) { worker(s).MaxUnavailable = ptr.To(intstr.FromString("150%")) },
			want:   errs(invalid("spec.provider.workers[0].maxUnavailable")),
		},
		{
			name:   "unsupported update strategy",
			mutate: func(s *core.Shoot) { worker(s).UpdateStrategy = ptr.To(core.MachineUpdateStrategy("Recreate")) },
			want:   errs(notSupported("spec.provider.workers[0].updateStrategy")),
		},
		{
			name:   "machine type missing",
			mutate: func(s *core.Shoot) { worker(s).Machine.Type = "" },
			want:   errs(required("spec.provider.workers[0].machine.type")),
		},
		{
			name:   "machine image without name",
			mutate: func(s *core.Shoot) { worker(s).Machine.Image = &core.ShootMachineImage{Version: "1.0.0"} },
			want:   errs(required("spec.provider.workers[0].machine.image.name")),
		},
		{
			name:   "machine image without version, defaulted by admission",
			mutate: func(s *core.Shoot) { worker(s).Machine.Image = &core.ShootMachineImage{Name: "local"} },
		},
		{
			name:   "unsupported architecture",
			mutate: func(s *core.Shoot) { worker(s).Machine.Architecture = ptr.To("sparc") },
			want:   errs(notSupported("spec.provider.workers[0].machine.architecture")),
		},
		{
			name:   "unsupported CRI",
			mutate: func(s *core.Shoot) { worker(s).CRI = &core.CRI{Name: "docker"} },
			want:   errs(notSupported("spec.provider.workers[0].cri.name")),
		},
		{
			name:   "volume size in gibibytes",
			mutate: func(s *core.Shoot) { worker(s).Volume = &core.Volume{VolumeSize: "20Gi"} },
		},
		{
			name:   "volume size not in gibibytes",
			mutate: func(s *core.Shoot) { worker(s).Volume = &core.Volume{VolumeSize: "20G"} },
			want:   errs(invalid("spec.provider.workers[0].volume.size")),
		},
		{
			name: "data volumes with duplicate names and a bad size",
			mutate: func(s *core.Shoot) {
				worker(s).Volume = &core.Volume{VolumeSize: "20Gi"}
				worker(s).DataVolumes = []core.DataVolume{{Name: "data", VolumeSize: "10Gi"}, {Name: "data", VolumeSize: "ten"}}
			},
			want: errs(duplicate("spec.provider.workers[0].dataVolumes[1].name"), invalid("spec.provider.workers[0].dataVolumes[1].size")),
		},
		{
			name:   "data volumes without a root volume",
			mutate: func(s *core.Shoot) { worker(s).DataVolumes = []core.DataVolume{{Name: "data", VolumeSize: "10Gi"}} },
			want:   errs(required("spec.provider.workers[0].volume")),
		},
		{
			name:   "kubelet data volume that does not exist",
			mutate: func(s *core.Shoot) { worker(s).KubeletDataVolumeName = ptr.To("kubelet") },
			want:   errs(invalid("spec.provider.workers[0].kubeletDataVolumeName")),
		},

		// hibernation
		{
			name:   "hibernation start not a cron spec",
			mutate: func(s *core.Shoot) { s.Spec.Hibernation.Schedules[0].Start = ptr.To("0 25 * * *") },
			want:   errs(invalid("spec.hibernation.schedules[0].start")),
		},
		{
			name:   "hibernation end with six fields",
			mutate: func(s *core.Shoot) { s.Spec.Hibernation.Schedules[0].End = ptr.To("0 0 8 * * 1-5") },
			want:   errs(invalid("spec.hibernation.schedules[0].end")),
		},
		{
			name: "hibernation start with a time zone prefix",
			mutate: func(s *core.Shoot) {
				s.Spec.Hibernation.Schedules[0].Start = ptr.To("CRON_TZ=Europe/Berlin 0 20 * * 1-5")
			},
			want: errs(invalid("spec.hibernation.schedules[0].start")),
		},
		{
			name: "hibernation schedule without start and end",
			mutate: func(s *core.Shoot) {
				s.Spec.Hibernation.Schedules[0].Start, s.Spec.Hibernation.Schedules[0].End = nil, nil
			},
			want: errs(required("spec.hibernation.schedules[0].start/end")),
		},
		{
			name:   "hibernation schedule with only a start",
			mutate: func(s *core.Shoot) { s.Spec.Hibernation.Schedules[0].End = nil },
		},
		{
			name: "hibernation spec used twice",
			mutate: func(s *core.Shoot) {
				s.Spec.Hibernation.Schedules = append(s.Spec.Hibernation.Schedules, core.HibernationSchedule{Start: ptr.To("0 20 * * 1-5")})
			},
			want: errs(duplicate("spec.hibernation.schedules[1].start")),
		},
		{
			name:   "hibernation location not a time zone",
			mutate: func(s *core.Shoot) { s.Spec.Hibernation.Schedules[0].Location = ptr.To("Mars/Olympus_Mons") },
			want:   errs(invalid("spec.hibernation.schedules[0].location")),
		},

		// maintenance
		{
			name: "maintenance window shorter than 30 minutes",
			mutate: func(s *core.Shoot) {
				s.Spec.Maintenance.TimeWindow = &core.MaintenanceTimeWindow{Begin: "220000+0100", End: "221500+0100"}
			},
			want: errs(invalidWithDetail("spec.maintenance.timeWindow", "at least 30m0s")),
		},
		{
			name: "maintenance window longer than 6 hours",
			mutate: func(s *core.Shoot) {
				s.Spec.Maintenance.TimeWindow = &core.MaintenanceTimeWindow{Begin: "220000+0100", End: "050000+0100"}
			},
			want: errs(invalidWithDetail("spec.maintenance.timeWindow", "at most 6h0m0s")),
		},
		{
			name: "maintenance window across midnight",
			mutate: func(s *core.Shoot) {
				s.Spec.Maintenance.TimeWindow = &core.MaintenanceTimeWindow{Begin: "230000+0000", End: "010000+0000"}
			},
		},
		{
			name: "maintenance window in different zones",
			mutate: func(s *core.Shoot) {
				s.Spec.Maintenance.TimeWindow = &core.MaintenanceTimeWindow{Begin: "220000+0200", End: "220000+0100"}
			},
		},
		{
			name: "maintenance begin not parseable",
			mutate: func(s *core.Shoot) {
				s.Spec.Maintenance.TimeWindow = &core.MaintenanceTimeWindow{Begin: "22:00", End: "230000+0100"}
			},
			want: errs(invalid("spec.maintenance.timeWindow.begin")),
		},

		// region, cloud profile, purpose, seed
		{
			name:   "region missing",
			mutate: func(s *core.Shoot) { s.Spec.Region = "" },
			want:   errs(required("spec.region")),
		},
		{
			name:   "no cloud profile",
			mutate: func(s *core.Shoot) { s.Spec.CloudProfile = nil },
			want:   errs(required("spec.cloudProfile.name")),
		},
		{
			name:   "only the deprecated cloudProfileName",
			mutate: func(s *core.Shoot) { s.Spec.CloudProfile, s.Spec.CloudProfileName = nil, ptr.To("local") },
		},
		{
			name:   "empty cloudProfileName",
			mutate: func(s *core.Shoot) { s.Spec.CloudProfile, s.Spec.CloudProfileName = nil, ptr.To("") },
			want:   errs(required("spec.cloudProfileName")),
		},
		{
			name:   "NamespacedCloudProfile",
			mutate: func(s *core.Shoot) { s.Spec.CloudProfile.Kind = "NamespacedCloudProfile" },
		},
		{
			name:   "unsupported cloud profile kind",
			mutate: func(s *core.Shoot) { s.Spec.CloudProfile.Kind = "Profile" },
			want:   errs(notSupported("spec.cloudProfile.kind")),
		},
		{
			name:   "empty cloud profile kind, which the strategy defaults",
			mutate: func(s *core.Shoot) { s.Spec.CloudProfile.Kind = "" },
			want:   errs(notSupported("spec.cloudProfile.kind")),
		},
		{
			name:   "unsupported purpose",
			mutate: func(s *core.Shoot) { s.Spec.Purpose = ptr.To(core.ShootPurpose("fun")) },
			want:   errs(notSupported("spec.purpose")),
		},
		{
			name:   "purpose infrastructure outside the garden namespace",
			mutate: func(s *core.Shoot) { s.Spec.Purpose = ptr.To(core.ShootPurposeInfrastructure) },
			want:   errs(notSupported("spec.purpose")),
		},
		{
			name: "purpose infrastructure in the garden namespace",
			mutate: func(s *core.Shoot) {
				s.Namespace = "garden"
				s.Spec.Purpose = ptr.To(core.ShootPurposeInfrastructure)
			},
		},
		{
			name:   "empty seed name",
			mutate: func(s *core.Shoot) { s.Spec.SeedName = ptr.To("") },
			want:   errs(invalid("spec.seedName")),
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shoot := newShoot()
			if tt.shoot != nil {
				shoot = tt.shoot()
			}
			if tt.mutate != nil {
				tt.mutate(shoot)
			}
			NewWithT(t).Expect(validation.ValidateShoot(shoot)).To(consistOfErrors(tt.want))
		})
	}
}

func TestValidateShootNameLength(t *testing.T) {
	tests := []struct {
		name    string
		project string
		shoot   string
		want    []types.GomegaMatcher
	}{
		{name: "short names", project: "dev", shoot: "web"},
		{name: "exactly 21 characters together", project: "team-alpha", shoot: "web-service"},
		{name: "22 characters together", project: "team-alpha", shoot: "web-services", want: errs(invalid("metadata.name"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			NewWithT(t).Expect(validation.ValidateShootNameLength(tt.project, tt.shoot)).To(consistOfErrors(tt.want))
		})
	}
}

func TestValidateShootGenerateNameLength(t *testing.T) {
	tests := []struct {
		name         string
		project      string
		generateName string
		want         []types.GomegaMatcher
	}{
		{name: "room for the random suffix", project: "team-alpha", generateName: "web-s-"},
		{name: "no room for the random suffix", project: "team-alpha", generateName: "web-se-", want: errs(invalid("metadata.generateName"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			NewWithT(t).Expect(validation.ValidateShootGenerateNameLength(tt.project, tt.generateName)).To(consistOfErrors(tt.want))
		})
	}
}

func TestValidateShootUpdate(t *testing.T) {
	tests := []struct {
		name   string
		old    func() *core.Shoot
		mutate func(*core.Shoot)
		want   []types.GomegaMatcher
	}{
		{name: "unchanged"},
		{
			name:   "region changed",
			mutate: func(s *core.Shoot) { s.Spec.Region = "other" },
			want:   errs(invalid("spec.region")),
		},
		{
			name:   "provider type changed",
			mutate: func(s *core.Shoot) { s.Spec.Provider.Type = "aws" },
			want:   errs(invalid("spec.provider.type")),
		},
		{
			name:   "network plugin changed",
			mutate: func(s *core.Shoot) { s.Spec.Networking.Type = ptr.To("cilium") },
			want:   errs(invalid("spec.networking.type")),
		},
		{
			name:   "node CIDR changed",
			mutate: func(s *core.Shoot) { s.Spec.Networking.Nodes = ptr.To("10.5.0.0/16") },
			want:   errs(invalid("spec.networking.nodes")),
		},
		{
			name:   "pod CIDR changed",
			mutate: func(s *core.Shoot) { s.Spec.Networking.Pods = ptr.To("10.3.0.0/16") },
			want:   errs(invalid("spec.networking.pods")),
		},
		{
			name:   "service CIDR removed",
			mutate: func(s *core.Shoot) { s.Spec.Networking.Services = nil },
			want:   errs(invalid("spec.networking.services")),
		},
		{
			name: "service CIDR set for the first time",
			old: func() *core.Shoot {
				s := newShoot()
				s.Spec.Networking.Services = nil
				return s
			},
		},
		{
			name:   "networking removed",
			mutate: func(s *core.Shoot) { s.Spec.Networking = nil },
			want:   errs(forbidden("spec.networking"), required("spec.networking")),
		},
		{
			name: "IPv4 to dual-stack",
			mutate: func(s *core.Shoot) {
				s.Spec.Networking.IPFamilies = []core.IPFamily{core.IPFamilyIPv4, core.IPFamilyIPv6}
			},
		},
		{
			name:   "IPv4 to IPv6",
			mutate: func(s *core.Shoot) { s.Spec.Networking.IPFamilies = []core.IPFamily{core.IPFamilyIPv6} },
			want: errs(
				forbidden("spec.networking.ipFamilies"),
				invalid("spec.networking.nodes"), invalid("spec.networking.pods"), invalid("spec.networking.services"),
			),
		},
		{
			name:   "kubernetes patch upgrade",
			mutate: func(s *core.Shoot) { s.Spec.Kubernetes.Version = "1.33.5" },
		},
		{
			name:   "kubernetes minor upgrade",
			mutate: func(s *core.Shoot) { s.Spec.Kubernetes.Version = "1.34.0" },
		},
		{
			name:   "kubernetes downgrade",
			mutate: func(s *core.Shoot) { s.Spec.Kubernetes.Version = "1.33.1" },
			want:   errs(forbidden("spec.kubernetes.version")),
		},
		{
			name:   "kubernetes upgrade skipping a minor version",
			mutate: func(s *core.Shoot) { s.Spec.Kubernetes.Version = "1.35.0" },
			want:   errs(forbidden("spec.kubernetes.version")),
		},
		{
			name:   "a shoot with workers becomes workerless",
			mutate: func(s *core.Shoot) { s.Spec.Provider.Workers = nil; s.Spec.Networking = nil },
			want:   errs(forbidden("spec.provider.workers"), forbidden("spec.networking")),
		},
		{
			name: "a workerless shoot gets workers",
			old: func() *core.Shoot {
				s := newWorkerlessShoot()
				s.Spec.Networking = &core.Networking{Services: ptr.To("10.2.0.0/16")}
				return s
			},
			want: errs(forbidden("spec.provider.workers"), invalid("spec.networking.type")),
		},
		{
			name:   "another CloudProfile",
			mutate: func(s *core.Shoot) { s.Spec.CloudProfile.Name = "other" },
			want:   errs(forbidden("spec.cloudProfile.name")),
		},
		{
			name: "a NamespacedCloudProfile below the CloudProfile",
			mutate: func(s *core.Shoot) {
				s.Spec.CloudProfile = &core.CloudProfileReference{Kind: "NamespacedCloudProfile", Name: "local-dev"}
			},
		},
		{
			name: "back from a NamespacedCloudProfile to its parent",
			old: func() *core.Shoot {
				s := newShoot()
				s.Spec.CloudProfile = &core.CloudProfileReference{Kind: "NamespacedCloudProfile", Name: "local-dev"}
				return s
			},
		},
		{
			name: "from cloudProfileName to cloudProfile",
			old: func() *core.Shoot {
				s := newShoot()
				s.Spec.CloudProfile, s.Spec.CloudProfileName = nil, ptr.To("local")
				return s
			},
		},
		{
			name:   "spec changed while being deleted",
			old:    deletingShoot,
			mutate: func(s *core.Shoot) { s.DeletionTimestamp = deletingShoot().DeletionTimestamp; worker(s).Maximum = 3 },
			want:   errs(forbidden("spec")),
		},
		{
			name: "metadata changed while being deleted",
			old:  deletingShoot,
			mutate: func(s *core.Shoot) {
				s.DeletionTimestamp = deletingShoot().DeletionTimestamp
				s.Labels = map[string]string{"a": "b"}
			},
		},
		{
			name:   "name changed",
			mutate: func(s *core.Shoot) { s.Name = "other" },
			want:   errs(invalid("metadata.name")),
		},
		{
			name:   "seed name changed, left to the seed name and binding rules",
			mutate: func(s *core.Shoot) { s.Spec.SeedName = ptr.To("seed-1") },
		},
		{
			name:   "new shoot invalid",
			mutate: func(s *core.Shoot) { worker(s).Machine.Type = "" },
			want:   errs(required("spec.provider.workers[0].machine.type")),
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oldShoot := newShoot()
			if tt.old != nil {
				oldShoot = tt.old()
			}
			newShoot := newShoot()
			if tt.mutate != nil {
				tt.mutate(newShoot)
			}
			NewWithT(t).Expect(validation.ValidateShootUpdate(newShoot, oldShoot)).To(consistOfErrors(tt.want))
		})
	}
}

func TestValidateShootSeedNameUpdate(t *testing.T) {
	tests := []struct {
		name    string
		oldSeed *string
		newSeed *string
		want    []types.GomegaMatcher
	}{
		{name: "unscheduled and unchanged"},
		{name: "scheduled and unchanged", oldSeed: ptr.To("seed-1"), newSeed: ptr.To("seed-1")},
		{name: "set", newSeed: ptr.To("seed-1"), want: errs(forbidden("spec.seedName"))},
		{name: "changed", oldSeed: ptr.To("seed-1"), newSeed: ptr.To("seed-2"), want: errs(forbidden("spec.seedName"))},
		{name: "unset", oldSeed: ptr.To("seed-1"), want: errs(forbidden("spec.seedName"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oldShoot, newShoot := newShoot(), newShoot()
			oldShoot.Spec.SeedName, newShoot.Spec.SeedName = tt.oldSeed, tt.newSeed
			NewWithT(t).Expect(validation.ValidateShootSeedNameUpdate(newShoot, oldShoot)).To(consistOfErrors(tt.want))
		})
	}
}

func TestValidateShootBindingUpdate(t *testing.T) {
	tests := []struct {
		name    string
		oldSeed *string
		newSeed *string
		mutate  func(*core.Shoot)
		want    []types.GomegaMatcher
	}{
		{name: "schedule", newSeed: ptr.To("seed-1")},
		{name: "reschedule", oldSeed: ptr.To("seed-1"), newSeed: ptr.To("seed-2")},
		{name: "unchanged seed", oldSeed: ptr.To("seed-1"), newSeed: ptr.To("seed-1")},
		{name: "unset", oldSeed: ptr.To("seed-1"), want: errs(forbidden("spec.seedName"))},
		{name: "no seed at all", want: errs(required("spec.seedName"))},
		{
			name:    "schedule and change the spec",
			newSeed: ptr.To("seed-1"),
			mutate:  func(s *core.Shoot) { worker(s).Maximum = 5 },
			want:    errs(forbidden("spec")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oldShoot, newShoot := newShoot(), newShoot()
			oldShoot.Spec.SeedName, newShoot.Spec.SeedName = tt.oldSeed, tt.newSeed
			if tt.mutate != nil {
				tt.mutate(newShoot)
			}
			NewWithT(t).Expect(validation.ValidateShootBindingUpdate(newShoot, oldShoot)).To(consistOfErrors(tt.want))
		})
	}
}
