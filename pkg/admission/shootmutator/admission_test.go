package shootmutator_test

import (
	"context"
	"regexp"
	"strconv"
	"testing"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/admission/admissiontest"
	"github.com/hortus-dev/hortus/pkg/admission/shootmutator"
)

func newShoot() *core.Shoot {
	return &core.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: "test", Namespace: "garden-dev"},
		Spec: core.ShootSpec{
			CloudProfile: &core.CloudProfileReference{Name: "local"},
			Region:       "local",
			Networking:   &core.Networking{Type: ptr.To("calico"), Nodes: ptr.To("10.0.0.0/16"), IPFamilies: []core.IPFamily{core.IPFamilyIPv4}},
			Provider: core.Provider{Type: "local", Workers: []core.Worker{{
				Name:    "pool",
				Machine: core.Machine{Type: "local", Architecture: ptr.To("amd64")},
				Minimum: 1, Maximum: 2,
			}}},
		},
	}
}

func mutate(t *testing.T, op admission.Operation, shoot, old *core.Shoot, objs ...client.Object) error {
	t.Helper()
	r := admissiontest.Reader(append(objs, admissiontest.CloudProfile())...)
	return shootmutator.Mutate(context.Background(), admissiontest.Attributes(op, "Shoot", shoot, old), r, admissiontest.Now)
}

func TestKubernetesVersion(t *testing.T) {
	tests := []struct {
		name, version, want string
		wantErr             bool
	}{
		{name: "empty picks the newest supported version", version: "", want: "1.36.0"},
		{name: "MAJOR picks the newest of the major", version: "1", want: "1.36.0"},
		{name: "MAJOR.MINOR picks the newest patch", version: "1.35", want: "1.35.4"},
		{name: "a complete version stays", version: "1.33.0", want: "1.33.0"},
		{name: "a complete version the profile lacks stays for the validator", version: "1.30.0", want: "1.30.0"},
		{name: "a minor without supported versions", version: "1.31", wantErr: true},
		{name: "a minor with only a preview version", version: "1.37", wantErr: true},
		{name: "garbage", version: "one.two", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			shoot := newShoot()
			shoot.Spec.Kubernetes.Version = tt.version
			err := mutate(t, admission.Create, shoot, nil)
			if tt.wantErr {
				g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "got %v", err)
				g.Expect(err).To(MatchError(ContainSubstring("spec.kubernetes.version")))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(shoot.Spec.Kubernetes.Version).To(Equal(tt.want))
		})
	}
}

func TestWorkerKubernetesVersion(t *testing.T) {
	g := NewWithT(t)
	shoot := newShoot()
	shoot.Spec.Kubernetes.Version = "1.36"
	shoot.Spec.Provider.Workers[0].Kubernetes = &core.WorkerKubernetes{Version: ptr.To("1.35")}
	g.Expect(mutate(t, admission.Create, shoot, nil)).To(Succeed())
	g.Expect(shoot.Spec.Kubernetes.Version).To(Equal("1.36.0"))
	g.Expect(shoot.Spec.Provider.Workers[0].Kubernetes.Version).To(Equal(ptr.To("1.35.4")))
}

func TestMachineImage(t *testing.T) {
	tests := []struct {
		name  string
		image *core.ShootMachineImage
		arch  string
		want  *core.ShootMachineImage
	}{
		{name: "none picks the first image and its newest supported version", want: &core.ShootMachineImage{Name: "local", Version: "1.1.0"}},
		{name: "a name picks its newest supported version", image: &core.ShootMachineImage{Name: "local"}, want: &core.ShootMachineImage{Name: "local", Version: "1.1.0"}},
		{name: "MAJOR.MINOR picks the newest patch", image: &core.ShootMachineImage{Name: "local", Version: "1.0"}, want: &core.ShootMachineImage{Name: "local", Version: "1.0.0"}},
		{name: "an exact version stays", image: &core.ShootMachineImage{Name: "local", Version: "2.0.0"}, want: &core.ShootMachineImage{Name: "local", Version: "2.0.0"}},
		{name: "an unknown image stays for the validator", image: &core.ShootMachineImage{Name: "other"}, want: &core.ShootMachineImage{Name: "other"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			shoot := newShoot()
			shoot.Spec.Provider.Workers[0].Machine.Image = tt.image
			g.Expect(mutate(t, admission.Create, shoot, nil)).To(Succeed())
			g.Expect(shoot.Spec.Provider.Workers[0].Machine.Image).To(Equal(tt.want))
		})
	}

	t.Run("no image for the architecture", func(t *testing.T) {
		g := NewWithT(t)
		shoot := newShoot()
		shoot.Spec.Provider.Workers[0].Machine.Architecture = ptr.To("arm64")
		err := mutate(t, admission.Create, shoot, nil)
		g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "got %v", err)
		g.Expect(err).To(MatchError(ContainSubstring("spec.provider.workers[0].machine.image")))
	})

	t.Run("an existing pool keeps its image", func(t *testing.T) {
		g := NewWithT(t)
		old := newShoot()
		old.Spec.Kubernetes.Version = "1.36.0"
		old.Spec.Provider.Workers[0].Machine.Image = &core.ShootMachineImage{Name: "local", Version: "1.0.0"}
		shoot := old.DeepCopy()
		shoot.Spec.Provider.Workers[0].Machine.Image = nil
		shoot.Spec.Provider.Workers = append(shoot.Spec.Provider.Workers, core.Worker{Name: "new", Machine: core.Machine{Type: "local"}, Maximum: 1})
		g.Expect(mutate(t, admission.Update, shoot, old)).To(Succeed())
		g.Expect(shoot.Spec.Provider.Workers[0].Machine.Image).To(Equal(&core.ShootMachineImage{Name: "local", Version: "1.0.0"}))
		g.Expect(shoot.Spec.Provider.Workers[1].Machine.Image).To(Equal(&core.ShootMachineImage{Name: "local", Version: "1.1.0"}))
	})
}

var windowTime = regexp.MustCompile(`^([0-9]{2})0000\+0000$`)

func windowHour(g Gomega, s string) int {
	m := windowTime.FindStringSubmatch(s)
	g.ExpectWithOffset(1, m).NotTo(BeNil(), "time %q", s)
	h, _ := strconv.Atoi(m[1])
	return h
}

func TestMaintenanceWindow(t *testing.T) {
	g := NewWithT(t)
	windows := map[string]string{}
	for _, name := range []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"} {
		a := newShoot()
		a.Name = name
		b := newShoot()
		b.Name = name
		g.Expect(mutate(t, admission.Create, a, nil)).To(Succeed())
		g.Expect(mutate(t, admission.Create, b, nil)).To(Succeed())
		g.Expect(a.Spec.Maintenance.TimeWindow).To(Equal(b.Spec.Maintenance.TimeWindow), "the same shoot gets the same window")

		begin, end := windowHour(g, a.Spec.Maintenance.TimeWindow.Begin), windowHour(g, a.Spec.Maintenance.TimeWindow.End)
		g.Expect(begin >= 22 || begin <= 5).To(BeTrue(), "%s begins at %d", name, begin)
		g.Expect(end).To(Equal((begin+1)%24), "one hour")
		windows[name] = a.Spec.Maintenance.TimeWindow.Begin
	}
	distinct := map[string]bool{}
	for _, w := range windows {
		distinct[w] = true
	}
	g.Expect(len(distinct)).To(BeNumerically(">", 1), "shoots spread over the night: %v", windows)

	begin, end := shootmutator.MaintenanceWindow("garden-dev", "alpha")
	g.Expect(begin).To(Equal(windows["alpha"]))
	g.Expect(end).To(HaveSuffix("0000+0000"))

	t.Run("a window that is set stays", func(t *testing.T) {
		g := NewWithT(t)
		shoot := newShoot()
		shoot.Spec.Maintenance = &core.Maintenance{TimeWindow: &core.MaintenanceTimeWindow{Begin: "100000+0100", End: "110000+0100"}}
		g.Expect(mutate(t, admission.Create, shoot, nil)).To(Succeed())
		g.Expect(shoot.Spec.Maintenance.TimeWindow).To(Equal(&core.MaintenanceTimeWindow{Begin: "100000+0100", End: "110000+0100"}))
	})
}

func TestAutoUpdate(t *testing.T) {
	g := NewWithT(t)
	shoot := newShoot()
	g.Expect(mutate(t, admission.Create, shoot, nil)).To(Succeed())
	g.Expect(shoot.Spec.Maintenance.AutoUpdate).To(Equal(&core.MaintenanceAutoUpdate{KubernetesVersion: true, MachineImageVersion: ptr.To(true)}))

	workerless := newShoot()
	workerless.Spec.Provider.Workers = nil
	workerless.Spec.Networking = nil
	g.Expect(mutate(t, admission.Create, workerless, nil)).To(Succeed())
	g.Expect(workerless.Spec.Maintenance.AutoUpdate).To(Equal(&core.MaintenanceAutoUpdate{KubernetesVersion: true}), "no machine images without workers")

	kept := newShoot()
	kept.Spec.Maintenance = &core.Maintenance{AutoUpdate: &core.MaintenanceAutoUpdate{MachineImageVersion: ptr.To(false)}}
	g.Expect(mutate(t, admission.Create, kept, nil)).To(Succeed())
	g.Expect(kept.Spec.Maintenance.AutoUpdate).To(Equal(&core.MaintenanceAutoUpdate{MachineImageVersion: ptr.To(false)}))
}

func TestNetworks(t *testing.T) {
	t.Run("Gardener's defaults for a shoot with workers", func(t *testing.T) {
		g := NewWithT(t)
		shoot := newShoot()
		g.Expect(mutate(t, admission.Create, shoot, nil)).To(Succeed())
		g.Expect(shoot.Spec.Networking.Pods).To(Equal(ptr.To("100.96.0.0/11")))
		g.Expect(shoot.Spec.Networking.Services).To(Equal(ptr.To("100.64.0.0/13")))
		g.Expect(shoot.Spec.Networking.Nodes).To(Equal(ptr.To("10.0.0.0/16")))
	})
	t.Run("only services for a workerless shoot", func(t *testing.T) {
		g := NewWithT(t)
		shoot := newShoot()
		shoot.Spec.Provider.Workers = nil
		shoot.Spec.Networking = nil
		g.Expect(mutate(t, admission.Create, shoot, nil)).To(Succeed())
		g.Expect(shoot.Spec.Networking.Pods).To(BeNil())
		g.Expect(shoot.Spec.Networking.Services).To(Equal(ptr.To("100.64.0.0/13")))
	})
	t.Run("the seed's defaults", func(t *testing.T) {
		g := NewWithT(t)
		shoot := newShoot()
		shoot.Spec.SeedName = ptr.To("seed")
		seed := &gardencorev1beta1.Seed{
			ObjectMeta: metav1.ObjectMeta{Name: "seed"},
			Spec: gardencorev1beta1.SeedSpec{Networks: gardencorev1beta1.SeedNetworks{
				ShootDefaults: &gardencorev1beta1.ShootNetworks{Pods: ptr.To("10.8.0.0/16"), Services: ptr.To("10.9.0.0/16")},
			}},
		}
		g.Expect(mutate(t, admission.Create, shoot, nil, seed)).To(Succeed())
		g.Expect(shoot.Spec.Networking.Pods).To(Equal(ptr.To("10.8.0.0/16")))
		g.Expect(shoot.Spec.Networking.Services).To(Equal(ptr.To("10.9.0.0/16")))
	})
	t.Run("no default that overlaps the nodes", func(t *testing.T) {
		g := NewWithT(t)
		shoot := newShoot()
		shoot.Spec.Networking.Nodes = ptr.To("100.64.0.0/10")
		g.Expect(mutate(t, admission.Create, shoot, nil)).To(Succeed())
		g.Expect(shoot.Spec.Networking.Pods).To(BeNil())
		g.Expect(shoot.Spec.Networking.Services).To(BeNil())
	})
	t.Run("no IPv4 defaults for IPv6", func(t *testing.T) {
		g := NewWithT(t)
		shoot := newShoot()
		shoot.Spec.Networking.IPFamilies = []core.IPFamily{core.IPFamilyIPv6}
		shoot.Spec.Networking.Nodes = nil
		g.Expect(mutate(t, admission.Create, shoot, nil)).To(Succeed())
		g.Expect(shoot.Spec.Networking.Pods).To(BeNil())
		g.Expect(shoot.Spec.Networking.Services).To(BeNil())
	})
}

func TestCloudProfileFields(t *testing.T) {
	tests := []struct {
		name             string
		version          string
		profile          *core.CloudProfileReference
		profileName      *string
		wantProfile      *core.CloudProfileReference
		wantProfileName  *string
		wantInvalidField string
	}{
		{
			name: "cloudProfile from cloudProfileName", version: "1.36.0", profileName: ptr.To("local"),
			wantProfile: &core.CloudProfileReference{Kind: "CloudProfile", Name: "local"}, wantProfileName: ptr.To("local"),
		},
		{
			name: "cloudProfileName from cloudProfile below 1.33", version: "1.31.0", profile: &core.CloudProfileReference{Name: "local"},
			wantProfile: &core.CloudProfileReference{Kind: "CloudProfile", Name: "local"}, wantProfileName: ptr.To("local"),
		},
		{
			name: "no cloudProfileName from 1.34 on", version: "1.36.0", profile: &core.CloudProfileReference{Name: "local"},
			wantProfile: &core.CloudProfileReference{Kind: "CloudProfile", Name: "local"},
		},
		{
			name: "two different profiles", version: "1.36.0", profile: &core.CloudProfileReference{Name: "local"}, profileName: ptr.To("other"),
			wantInvalidField: "spec.cloudProfileName",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			shoot := newShoot()
			shoot.Spec.Kubernetes.Version = tt.version
			shoot.Spec.CloudProfile, shoot.Spec.CloudProfileName = tt.profile, tt.profileName
			err := mutate(t, admission.Create, shoot, nil)
			if tt.wantInvalidField != "" {
				g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "got %v", err)
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantInvalidField)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(shoot.Spec.CloudProfile).To(Equal(tt.wantProfile))
			g.Expect(shoot.Spec.CloudProfileName).To(Equal(tt.wantProfileName))
		})
	}
}

func TestCreate(t *testing.T) {
	g := NewWithT(t)
	shoot := newShoot()
	g.Expect(mutate(t, admission.Create, shoot, nil)).To(Succeed())
	g.Expect(shoot.Annotations).To(HaveKeyWithValue("gardener.cloud/created-by", admissiontest.User))
	g.Expect(shoot.Annotations).To(HaveKeyWithValue("shoot.gardener.cloud/tasks", "deployInfrastructure,deployDNSRecordInternal,deployDNSRecordExternal,deployDNSRecordIngress"))

	missing := newShoot()
	missing.Spec.CloudProfile.Name = "gone"
	err := mutate(t, admission.Create, missing, nil)
	g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "got %v", err)
	g.Expect(err).To(MatchError(ContainSubstring("spec.cloudProfile.name")))
}

func TestPlugin(t *testing.T) {
	g := NewWithT(t)
	p := shootmutator.New()
	p.UseReaders(admissiontest.Reader(admissiontest.CloudProfile()), nil)
	g.Expect(p.ValidateInitialization()).To(Succeed())
	shoot := newShoot()
	g.Expect(p.Admit(context.Background(), admissiontest.Attributes(admission.Create, "Shoot", shoot, nil), nil)).To(Succeed())
	g.Expect(shoot.Spec.Kubernetes.Version).To(Equal("1.36.0"))
}
