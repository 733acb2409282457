package extensionvalidator_test

import (
	"context"
	"testing"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/admission"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	"k8s.io/apiserver/pkg/util/compatibility"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/admission/admissiontest"
	"github.com/hortus-dev/hortus/pkg/admission/extensionvalidator"
)

func registration(name string, resources ...gardencorev1beta1.ControllerResource) *gardencorev1beta1.ControllerRegistration {
	return &gardencorev1beta1.ControllerRegistration{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       gardencorev1beta1.ControllerRegistrationSpec{Resources: resources},
	}
}

// local registers what provider-local and calico register.
func local() []client.Object {
	return []client.Object{
		registration("provider-local",
			gardencorev1beta1.ControllerResource{Kind: "ControlPlane", Type: "local"},
			gardencorev1beta1.ControllerResource{Kind: "Infrastructure", Type: "local"},
			gardencorev1beta1.ControllerResource{Kind: "Worker", Type: "local"},
			gardencorev1beta1.ControllerResource{Kind: "OperatingSystemConfig", Type: "local"},
			gardencorev1beta1.ControllerResource{Kind: "BackupBucket", Type: "local"},
			gardencorev1beta1.ControllerResource{Kind: "BackupEntry", Type: "local"},
		),
		registration("networking-calico", gardencorev1beta1.ControllerResource{Kind: "Network", Type: "calico"}),
		registration("shoot-dns-service", gardencorev1beta1.ControllerResource{Kind: "Extension", Type: "shoot-dns-service", WorkerlessSupported: ptr.To(true)}),
		registration("secondary", gardencorev1beta1.ControllerResource{Kind: "Extension", Type: "not-primary", Primary: ptr.To(false)}),
		registration("seed-only", gardencorev1beta1.ControllerResource{Kind: "Extension", Type: "seed-only", ClusterCompatibility: []gardencorev1beta1.ClusterType{"seed"}}),
	}
}

func newShoot() *core.Shoot {
	return &core.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: "test", Namespace: "garden-dev"},
		Spec: core.ShootSpec{
			Provider: core.Provider{Type: "local", Workers: []core.Worker{{
				Name:    "pool",
				Machine: core.Machine{Type: "local", Image: &core.ShootMachineImage{Name: "local", Version: "1.0.0"}},
			}}},
			Networking: &core.Networking{Type: ptr.To("calico")},
		},
	}
}

func TestShoot(t *testing.T) {
	tests := []struct {
		name        string
		mutate      func(*core.Shoot)
		wantRefusal []string
	}{
		{name: "registered extensions"},
		{
			name:   "an unregistered provider type",
			mutate: func(s *core.Shoot) { s.Spec.Provider.Type = "aws" },
			wantRefusal: []string{
				`spec.provider.type: no ControllerRegistration registers kinds ControlPlane, Infrastructure, Worker with type "aws"`,
				"register each kind and type in the spec.resources of a ControllerRegistration",
			},
		},
		{
			name:        "an unregistered network type",
			mutate:      func(s *core.Shoot) { s.Spec.Networking.Type = ptr.To("cilium") },
			wantRefusal: []string{`spec.networking.type: no ControllerRegistration registers kind Network with type "cilium"`},
		},
		{
			name: "an unregistered extension",
			mutate: func(s *core.Shoot) {
				s.Spec.Extensions = []core.Extension{{Type: "shoot-dns-service"}, {Type: "unknown"}}
			},
			wantRefusal: []string{`spec.extensions[1].type: no ControllerRegistration registers kind Extension with type "unknown"`},
		},
		{
			name:        "an extension that is not primary",
			mutate:      func(s *core.Shoot) { s.Spec.Extensions = []core.Extension{{Type: "not-primary"}} },
			wantRefusal: []string{`spec.extensions[0].type`},
		},
		{
			name:        "an extension only for seeds",
			mutate:      func(s *core.Shoot) { s.Spec.Extensions = []core.Extension{{Type: "seed-only"}} },
			wantRefusal: []string{`spec.extensions[0].type`},
		},
		{
			name:        "an unregistered operating system",
			mutate:      func(s *core.Shoot) { s.Spec.Provider.Workers[0].Machine.Image.Name = "gardenlinux" },
			wantRefusal: []string{`spec.provider.workers[0].machine.image.name: no ControllerRegistration registers kind OperatingSystemConfig with type "gardenlinux"`},
		},
		{
			name: "a workerless shoot needs no provider extensions",
			mutate: func(s *core.Shoot) {
				s.Spec.Provider = core.Provider{Type: "aws"}
				s.Spec.Networking = nil
				s.Spec.Extensions = []core.Extension{{Type: "shoot-dns-service"}}
			},
		},
		{
			name: "a workerless shoot with an extension that needs workers",
			mutate: func(s *core.Shoot) {
				s.Spec.Provider.Workers = nil
				s.Spec.Extensions = []core.Extension{{Type: "seed-only"}}
			},
			wantRefusal: []string{`spec.extensions[0].type`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			shoot := newShoot()
			if tt.mutate != nil {
				tt.mutate(shoot)
			}
			err := extensionvalidator.Validate(context.Background(), admissiontest.Attributes(admission.Create, "Shoot", shoot, nil), admissiontest.Reader(local()...))
			if len(tt.wantRefusal) == 0 {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
			for _, s := range tt.wantRefusal {
				g.Expect(err).To(MatchError(ContainSubstring(s)))
			}
		})
	}

	t.Run("an update that keeps the spec", func(t *testing.T) {
		g := NewWithT(t)
		old := newShoot()
		old.Spec.Provider.Type = "aws"
		shoot := old.DeepCopy()
		shoot.Labels = map[string]string{"a": "b"}
		g.Expect(extensionvalidator.Validate(context.Background(), admissiontest.Attributes(admission.Update, "Shoot", shoot, old), admissiontest.Reader(local()...))).To(Succeed())
	})
}

func TestSeed(t *testing.T) {
	tests := []struct {
		name        string
		spec        core.SeedSpec
		wantRefusal []string
	}{
		{name: "a registered provider and backup", spec: core.SeedSpec{Provider: core.SeedProvider{Type: "local"}, Backup: &core.Backup{Provider: "local"}}},
		{
			name:        "an unregistered provider",
			spec:        core.SeedSpec{Provider: core.SeedProvider{Type: "gcp"}},
			wantRefusal: []string{`spec.provider.type: no ControllerRegistration registers kind ControlPlane with type "gcp"`},
		},
		{
			name:        "an unregistered backup provider",
			spec:        core.SeedSpec{Provider: core.SeedProvider{Type: "local"}, Backup: &core.Backup{Provider: "s3"}},
			wantRefusal: []string{`spec.backup.provider: no ControllerRegistration registers kinds BackupBucket, BackupEntry with type "s3"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			seed := &core.Seed{ObjectMeta: metav1.ObjectMeta{Name: "seed"}, Spec: tt.spec}
			err := extensionvalidator.Validate(context.Background(), admissiontest.Attributes(admission.Create, "Seed", seed, nil), admissiontest.Reader(local()...))
			if len(tt.wantRefusal) == 0 {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
			for _, s := range tt.wantRefusal {
				g.Expect(err).To(MatchError(ContainSubstring(s)))
			}
		})
	}
}

func TestBackups(t *testing.T) {
	g := NewWithT(t)
	bucket := &core.BackupBucket{ObjectMeta: metav1.ObjectMeta{Name: "bucket"}, Spec: core.BackupBucketSpec{Provider: core.BackupBucketProvider{Type: "s3"}}}
	err := extensionvalidator.Validate(context.Background(), admissiontest.Attributes(admission.Create, "BackupBucket", bucket, nil), admissiontest.Reader(local()...))
	g.Expect(err).To(MatchError(ContainSubstring(`spec.provider.type: no ControllerRegistration registers kind BackupBucket with type "s3"`)))

	stored := &gardencorev1beta1.BackupBucket{ObjectMeta: metav1.ObjectMeta{Name: "bucket"}, Spec: gardencorev1beta1.BackupBucketSpec{Provider: gardencorev1beta1.BackupBucketProvider{Type: "s3"}}}
	entry := &core.BackupEntry{ObjectMeta: metav1.ObjectMeta{Name: "entry", Namespace: "garden"}, Spec: core.BackupEntrySpec{BucketName: "bucket"}}
	err = extensionvalidator.Validate(context.Background(), admissiontest.Attributes(admission.Create, "BackupEntry", entry, nil), admissiontest.Reader(append(local(), stored)...))
	g.Expect(err).To(MatchError(ContainSubstring(`spec.bucketName: no ControllerRegistration registers kind BackupEntry with type "s3"`)))
}

// readers hands the plugins of an admission chain a fake reader.
type readers struct{ r client.Reader }

func (i readers) Initialize(p admission.Interface) {
	if u, ok := p.(interface {
		UseReaders(cached, live client.Reader)
	}); ok {
		u.UseReaders(i.r, nil)
	}
}

// chain builds the admission chain that the server builds from its admission options, with
// the plugin registered and the given --disable-admission-plugins.
func chain(g Gomega, disabled ...string) admission.ValidationInterface {
	o := genericoptions.NewAdmissionOptions()
	extensionvalidator.Register(o.Plugins)
	o.RecommendedPluginOrder = []string{extensionvalidator.PluginName}
	o.DefaultOffPlugins = sets.New[string]()
	o.DisablePlugins = disabled

	c := genericapiserver.NewConfig(serializer.NewCodecFactory(runtime.NewScheme()))
	kube := kubefake.NewClientset()
	g.ExpectWithOffset(1, o.ApplyTo(c, informers.NewSharedInformerFactory(kube, 0), kube, fake.NewSimpleDynamicClient(runtime.NewScheme()),
		utilfeature.DefaultFeatureGate, compatibility.DefaultBuildEffectiveVersion(), readers{admissiontest.Reader(local()...)})).To(Succeed())
	return c.AdmissionControl.(admission.ValidationInterface)
}

func TestDisable(t *testing.T) {
	g := NewWithT(t)
	shoot := newShoot()
	shoot.Spec.Provider.Type = "aws"
	attrs := admissiontest.Attributes(admission.Create, "Shoot", shoot, nil)

	g.Expect(chain(g).Validate(context.Background(), attrs, nil)).To(MatchError(ContainSubstring("spec.provider.type")), "on by default")
	g.Expect(chain(g, extensionvalidator.PluginName).Validate(context.Background(), attrs, nil)).To(Succeed(), "off with --disable-admission-plugins")
}

// A registration that the cache has not seen yet does not make the plugin refuse: a
// refusal is confirmed against the live API.
func TestRefusalConfirmedLive(t *testing.T) {
	g := NewWithT(t)
	seed := &core.Seed{ObjectMeta: metav1.ObjectMeta{Name: "seed"}, Spec: core.SeedSpec{Provider: core.SeedProvider{Type: "local"}}}
	attrs := admissiontest.Attributes(admission.Create, "Seed", seed, nil)

	p := extensionvalidator.New()
	p.UseReaders(admissiontest.Reader(), admissiontest.Reader(local()...))
	g.Expect(p.Validate(context.Background(), attrs, nil)).To(Succeed())

	p = extensionvalidator.New()
	p.UseReaders(admissiontest.Reader(), admissiontest.Reader())
	err := p.Validate(context.Background(), attrs, nil)
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
}
