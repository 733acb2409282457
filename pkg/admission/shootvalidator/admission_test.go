package shootvalidator_test

import (
	"context"
	"testing"
	"time"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/admission/admissiontest"
	"github.com/hortus-dev/hortus/pkg/admission/shootvalidator"
)

func newShoot() *core.Shoot {
	return &core.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: "test", Namespace: "garden-dev"},
		Spec: core.ShootSpec{
			CloudProfile: &core.CloudProfileReference{Kind: "CloudProfile", Name: "local"},
			Region:       "local",
			Provider: core.Provider{Type: "local", Workers: []core.Worker{{
				Name: "pool",
				Machine: core.Machine{
					Type:         "local",
					Image:        &core.ShootMachineImage{Name: "local", Version: "1.0.0"},
					Architecture: ptr.To("amd64"),
				},
				Minimum: 1, Maximum: 2,
				Zones: []string{"0"},
			}}},
			Kubernetes: core.Kubernetes{Version: "1.35.4"},
		},
	}
}

func newProject(name, namespace string) *gardencorev1beta1.Project {
	return &gardencorev1beta1.Project{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       gardencorev1beta1.ProjectSpec{Namespace: ptr.To(namespace)},
	}
}

// causes returns the field errors of an Invalid error, field path to type.
func causes(g Gomega, err error) map[string]metav1.CauseType {
	g.ExpectWithOffset(1, apierrors.IsInvalid(err)).To(BeTrue(), "want an Invalid error, got %v", err)
	out := map[string]metav1.CauseType{}
	for _, c := range err.(apierrors.APIStatus).Status().Details.Causes {
		out[c.Field] = c.Type
	}
	return out
}

func TestValidateCreate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*core.Shoot)
		objects []client.Object
		// want maps the offending field paths to their error types; empty means admitted.
		want map[string]metav1.CauseType
	}{
		{name: "a valid shoot"},
		{name: "a preview version", mutate: func(s *core.Shoot) { s.Spec.Kubernetes.Version = "1.37.0" }},
		{
			name:   "a version the profile does not offer",
			mutate: func(s *core.Shoot) { s.Spec.Kubernetes.Version = "1.30.0" },
			want:   map[string]metav1.CauseType{"spec.kubernetes.version": metav1.CauseType(field.ErrorTypeNotSupported)},
		},
		{
			name:   "an expired version",
			mutate: func(s *core.Shoot) { s.Spec.Kubernetes.Version = "1.31.0" },
			want:   map[string]metav1.CauseType{"spec.kubernetes.version": metav1.CauseType(field.ErrorTypeForbidden)},
		},
		{
			name:   "an unknown machine type",
			mutate: func(s *core.Shoot) { s.Spec.Provider.Workers[0].Machine.Type = "huge" },
			want:   map[string]metav1.CauseType{"spec.provider.workers[0].machine.type": metav1.CauseType(field.ErrorTypeNotSupported)},
		},
		{
			name:   "an unknown region",
			mutate: func(s *core.Shoot) { s.Spec.Region = "mars" },
			want:   map[string]metav1.CauseType{"spec.region": metav1.CauseType(field.ErrorTypeNotSupported)},
		},
		{
			name:   "an unknown zone",
			mutate: func(s *core.Shoot) { s.Spec.Provider.Workers[0].Zones = []string{"0", "7"} },
			want:   map[string]metav1.CauseType{"spec.provider.workers[0].zones[1]": metav1.CauseType(field.ErrorTypeNotSupported)},
		},
		{
			name:   "an unknown machine image",
			mutate: func(s *core.Shoot) { s.Spec.Provider.Workers[0].Machine.Image.Name = "gardenlinux" },
			want:   map[string]metav1.CauseType{"spec.provider.workers[0].machine.image.name": metav1.CauseType(field.ErrorTypeNotSupported)},
		},
		{
			name:   "an unknown machine image version",
			mutate: func(s *core.Shoot) { s.Spec.Provider.Workers[0].Machine.Image.Version = "3.0.0" },
			want:   map[string]metav1.CauseType{"spec.provider.workers[0].machine.image.version": metav1.CauseType(field.ErrorTypeNotSupported)},
		},
		{
			name:   "an expired machine image version",
			mutate: func(s *core.Shoot) { s.Spec.Provider.Workers[0].Machine.Image.Version = "0.9.0" },
			want:   map[string]metav1.CauseType{"spec.provider.workers[0].machine.image.version": metav1.CauseType(field.ErrorTypeForbidden)},
		},
		{
			name:   "a machine image without the worker's architecture",
			mutate: func(s *core.Shoot) { s.Spec.Provider.Workers[0].Machine.Architecture = ptr.To("arm64") },
			want: map[string]metav1.CauseType{
				"spec.provider.workers[0].machine.type":          metav1.CauseType(field.ErrorTypeInvalid),
				"spec.provider.workers[0].machine.image.version": metav1.CauseType(field.ErrorTypeInvalid),
			},
		},
		{
			name: "an expired worker Kubernetes version",
			mutate: func(s *core.Shoot) {
				s.Spec.Provider.Workers[0].Kubernetes = &core.WorkerKubernetes{Version: ptr.To("1.31.0")}
			},
			want: map[string]metav1.CauseType{"spec.provider.workers[0].kubernetes.version": metav1.CauseType(field.ErrorTypeForbidden)},
		},
		{
			name: "an unknown volume type",
			mutate: func(s *core.Shoot) {
				s.Spec.Provider.Workers[0].Volume = &core.Volume{Type: ptr.To("ssd"), VolumeSize: "20Gi"}
			},
			want: map[string]metav1.CauseType{"spec.provider.workers[0].volume.type": metav1.CauseType(field.ErrorTypeNotSupported)},
		},
		{
			name:   "another provider type",
			mutate: func(s *core.Shoot) { s.Spec.Provider.Type = "aws" },
			want:   map[string]metav1.CauseType{"spec.provider.type": metav1.CauseType(field.ErrorTypeInvalid)},
		},
		{
			name:   "a missing cloud profile",
			mutate: func(s *core.Shoot) { s.Spec.CloudProfile.Name = "gone" },
			want:   map[string]metav1.CauseType{"spec.cloudProfile.name": metav1.CauseType(field.ErrorTypeNotFound)},
		},
		{
			name: "the deprecated cloudProfileName",
			mutate: func(s *core.Shoot) {
				s.Spec.CloudProfile, s.Spec.CloudProfileName = nil, ptr.To("gone")
			},
			want: map[string]metav1.CauseType{"spec.cloudProfileName": metav1.CauseType(field.ErrorTypeNotFound)},
		},
		{
			name: "several errors at once",
			mutate: func(s *core.Shoot) {
				s.Spec.Kubernetes.Version = "1.30.0"
				s.Spec.Region = "mars"
				s.Spec.Provider.Workers[0].Machine.Type = "huge"
			},
			want: map[string]metav1.CauseType{
				"spec.kubernetes.version":               metav1.CauseType(field.ErrorTypeNotSupported),
				"spec.region":                           metav1.CauseType(field.ErrorTypeNotSupported),
				"spec.provider.workers[0].machine.type": metav1.CauseType(field.ErrorTypeNotSupported),
			},
		},
		{
			name:    "a name that is too long with the project's",
			mutate:  func(s *core.Shoot) { s.Name = "a-rather-long-name" },
			objects: []client.Object{newProject("dev-project", "garden-dev")},
			want:    map[string]metav1.CauseType{"metadata.name": metav1.CauseType(field.ErrorTypeInvalid)},
		},
		{
			name:    "a name that fits with the project's",
			objects: []client.Object{newProject("dev", "garden-dev")},
		},
		{
			name: "a version that a NamespacedCloudProfile adds",
			mutate: func(s *core.Shoot) {
				s.Spec.CloudProfile = &core.CloudProfileReference{Kind: "NamespacedCloudProfile", Name: "custom"}
				s.Spec.Kubernetes.Version = "1.30.0"
			},
			objects: []client.Object{&gardencorev1beta1.NamespacedCloudProfile{
				ObjectMeta: metav1.ObjectMeta{Name: "custom", Namespace: "garden-dev"},
				Spec: gardencorev1beta1.NamespacedCloudProfileSpec{
					Parent:     gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: "local"},
					Kubernetes: &gardencorev1beta1.KubernetesSettings{Versions: []gardencorev1beta1.ExpirableVersion{{Version: "1.30.0"}}},
				},
			}},
		},
		{
			name: "an expired version that a NamespacedCloudProfile extends",
			mutate: func(s *core.Shoot) {
				s.Spec.CloudProfile = &core.CloudProfileReference{Kind: "NamespacedCloudProfile", Name: "custom"}
				s.Spec.Kubernetes.Version = "1.31.0"
			},
			objects: []client.Object{&gardencorev1beta1.NamespacedCloudProfile{
				ObjectMeta: metav1.ObjectMeta{Name: "custom", Namespace: "garden-dev"},
				Spec: gardencorev1beta1.NamespacedCloudProfileSpec{
					Parent: gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: "local"},
					Kubernetes: &gardencorev1beta1.KubernetesSettings{Versions: []gardencorev1beta1.ExpirableVersion{
						{Version: "1.31.0", ExpirationDate: &metav1.Time{Time: admissiontest.Now.Add(30 * 24 * time.Hour)}},
					}},
				},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			shoot := newShoot()
			if tt.mutate != nil {
				tt.mutate(shoot)
			}
			r := admissiontest.Reader(append(tt.objects, admissiontest.CloudProfile())...)
			err := shootvalidator.Validate(context.Background(), admissiontest.Attributes(admission.Create, "Shoot", shoot, nil), r, admissiontest.Now)
			if len(tt.want) == 0 {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(causes(g, err)).To(Equal(tt.want))
		})
	}
}

func TestValidateUpdate(t *testing.T) {
	tests := []struct {
		name       string
		old, shoot func(*core.Shoot)
		want       map[string]metav1.CauseType
	}{
		{
			name:  "keeping an expired version",
			old:   func(s *core.Shoot) { s.Spec.Kubernetes.Version = "1.31.0" },
			shoot: func(s *core.Shoot) { s.Spec.Kubernetes.Version = "1.31.0"; s.Spec.Provider.Workers[0].Maximum = 5 },
		},
		{
			name:  "changing to an expired version",
			old:   func(s *core.Shoot) {},
			shoot: func(s *core.Shoot) { s.Spec.Kubernetes.Version = "1.31.0" },
			want:  map[string]metav1.CauseType{"spec.kubernetes.version": metav1.CauseType(field.ErrorTypeForbidden)},
		},
		{
			name:  "changing to a version the profile does not offer",
			old:   func(s *core.Shoot) {},
			shoot: func(s *core.Shoot) { s.Spec.Kubernetes.Version = "1.36.9" },
			want:  map[string]metav1.CauseType{"spec.kubernetes.version": metav1.CauseType(field.ErrorTypeNotSupported)},
		},
		{
			name: "keeping a machine type the profile dropped",
			old:  func(s *core.Shoot) { s.Spec.Provider.Workers[0].Machine.Type = "old" },
			shoot: func(s *core.Shoot) {
				s.Spec.Provider.Workers[0].Machine.Type = "old"
				s.Spec.Provider.Workers[0].Maximum = 5
			},
		},
		{
			name: "adding a pool with an unknown machine type",
			old:  func(s *core.Shoot) {},
			shoot: func(s *core.Shoot) {
				pool := *s.Spec.Provider.Workers[0].DeepCopy()
				pool.Name, pool.Machine.Type = "more", "huge"
				s.Spec.Provider.Workers = append(s.Spec.Provider.Workers, pool)
			},
			want: map[string]metav1.CauseType{"spec.provider.workers[1].machine.type": metav1.CauseType(field.ErrorTypeNotSupported)},
		},
		{
			name: "a shoot being deleted",
			old:  func(s *core.Shoot) {},
			shoot: func(s *core.Shoot) {
				s.DeletionTimestamp = &metav1.Time{Time: admissiontest.Now}
				s.Spec.Region = "mars"
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			old, shoot := newShoot(), newShoot()
			tt.old(old)
			tt.shoot(shoot)
			r := admissiontest.Reader(admissiontest.CloudProfile())
			err := shootvalidator.Validate(context.Background(), admissiontest.Attributes(admission.Update, "Shoot", shoot, old), r, admissiontest.Now)
			if len(tt.want) == 0 {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(causes(g, err)).To(Equal(tt.want))
		})
	}
}

func TestValidateMessages(t *testing.T) {
	g := NewWithT(t)
	shoot := newShoot()
	shoot.Spec.Kubernetes.Version = "1.31.0"
	err := shootvalidator.Validate(context.Background(), admissiontest.Attributes(admission.Create, "Shoot", shoot, nil),
		admissiontest.Reader(admissiontest.CloudProfile()), admissiontest.Now)
	g.Expect(err).To(MatchError(ContainSubstring("Kubernetes version 1.31.0 has expired on 2026-02-28T12:00:00Z")))
	g.Expect(err).To(MatchError(ContainSubstring("1.37.0 (preview)")))
}

func TestProjectBeingDeleted(t *testing.T) {
	g := NewWithT(t)
	project := newProject("dev", "garden-dev")
	project.DeletionTimestamp = &metav1.Time{Time: admissiontest.Now}
	project.Finalizers = []string{"gardener"}
	err := shootvalidator.Validate(context.Background(), admissiontest.Attributes(admission.Create, "Shoot", newShoot(), nil),
		admissiontest.Reader(admissiontest.CloudProfile(), project), admissiontest.Now)
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
	g.Expect(err).To(MatchError(ContainSubstring("being deleted")))
}

func TestPlugin(t *testing.T) {
	g := NewWithT(t)
	p := shootvalidator.New()
	p.UseReaders(admissiontest.Reader(admissiontest.CloudProfile()), nil)
	g.Expect(p.ValidateInitialization()).To(Succeed())
	g.Expect(p.Handles(admission.Create)).To(BeTrue())
	g.Expect(p.Handles(admission.Delete)).To(BeFalse())

	shoot := newShoot()
	shoot.Spec.Region = "mars"
	g.Expect(p.Validate(context.Background(), admissiontest.Attributes(admission.Create, "Shoot", shoot, nil), nil)).To(MatchError(ContainSubstring("spec.region")))

	other := admissiontest.Attributes(admission.Create, "Project", &core.Project{ObjectMeta: metav1.ObjectMeta{Name: "p"}}, nil)
	g.Expect(p.Validate(context.Background(), other, nil)).To(Succeed(), "other kinds pass")

	plugins := admission.NewPlugins()
	shootvalidator.Register(plugins)
	g.Expect(plugins.Registered()).To(ConsistOf(shootvalidator.PluginName))
}

func TestNotInitialized(t *testing.T) {
	g := NewWithT(t)
	g.Expect(shootvalidator.New().ValidateInitialization()).To(MatchError(ContainSubstring("loopback")))
}
