package validation_test

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/gardener/gardener/pkg/apis/core"

	"github.com/hortus-dev/hortus/pkg/api/core/validation"
)

func newControllerRegistration() *core.ControllerRegistration {
	return &core.ControllerRegistration{
		ObjectMeta: metav1.ObjectMeta{Name: "provider-local", ResourceVersion: "1"},
		Spec: core.ControllerRegistrationSpec{
			Resources: []core.ControllerResource{
				{Kind: "Infrastructure", Type: "local", Primary: ptr.To(true)},
				{Kind: "Worker", Type: "local", Primary: ptr.To(true)},
				{
					Kind:                 "Extension",
					Type:                 "local-ext",
					Primary:              ptr.To(true),
					ClusterCompatibility: []core.ClusterType{core.ClusterTypeShoot, core.ClusterTypeSeed},
					AutoEnable:           []core.ClusterType{core.ClusterTypeShoot},
					ReconcileTimeout:     &metav1.Duration{Duration: 3 * time.Minute},
					Lifecycle:            &core.ControllerResourceLifecycle{Reconcile: ptr.To(core.AfterWorker), Delete: ptr.To(core.BeforeKubeAPIServer)},
				},
			},
			Deployment: &core.ControllerRegistrationDeployment{
				Policy:         ptr.To(core.ControllerDeploymentPolicyOnDemand),
				DeploymentRefs: []core.DeploymentRef{{Name: "provider-local"}},
			},
		},
	}
}

func controllerResource(r *core.ControllerRegistration, i int) *core.ControllerResource {
	return &r.Spec.Resources[i]
}

func TestValidateControllerRegistration(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.ControllerRegistration)
		want   []types.GomegaMatcher
	}{
		{name: "valid"},
		{
			name: "kind and type missing",
			mutate: func(r *core.ControllerRegistration) {
				controllerResource(r, 0).Kind, controllerResource(r, 0).Type = "", ""
			},
			want: errs(required("spec.resources[0].kind"), required("spec.resources[0].type")),
		},
		{
			name:   "unknown kind",
			mutate: func(r *core.ControllerRegistration) { controllerResource(r, 0).Kind = "Database" },
			want:   errs(notSupported("spec.resources[0].kind")),
		},
		{
			name:   "duplicate kind and type",
			mutate: func(r *core.ControllerRegistration) { controllerResource(r, 1).Kind = "Infrastructure" },
			want:   errs(duplicate("spec.resources[1]")),
		},
		{
			name:   "same type for different kinds",
			mutate: func(r *core.ControllerRegistration) { controllerResource(r, 2).Type = "local" },
		},
		{
			name: "Extension-only fields on another kind",
			mutate: func(r *core.ControllerRegistration) {
				controllerResource(r, 0).AutoEnable = []core.ClusterType{core.ClusterTypeShoot}
				controllerResource(r, 0).ClusterCompatibility = []core.ClusterType{core.ClusterTypeShoot}
				controllerResource(r, 0).ReconcileTimeout = &metav1.Duration{Duration: time.Minute}
				controllerResource(r, 0).Lifecycle = &core.ControllerResourceLifecycle{}
			},
			want: errs(
				forbidden("spec.resources[0].autoEnable"), forbidden("spec.resources[0].clusterCompatibility"),
				forbidden("spec.resources[0].reconcileTimeout"), forbidden("spec.resources[0].lifecycle"),
			),
		},
		{
			name: "auto-enabled for an incompatible cluster type",
			mutate: func(r *core.ControllerRegistration) {
				controllerResource(r, 2).ClusterCompatibility = []core.ClusterType{core.ClusterTypeSeed}
			},
			want: errs(forbidden("spec.resources[2].autoEnable[0]")),
		},
		{
			name: "unknown cluster type",
			mutate: func(r *core.ControllerRegistration) {
				controllerResource(r, 2).ClusterCompatibility = []core.ClusterType{"garden", "shoot"}
			},
			want: errs(notSupported("spec.resources[2].clusterCompatibility[0]")),
		},
		{
			name: "unsupported delete strategy",
			mutate: func(r *core.ControllerRegistration) {
				controllerResource(r, 2).Lifecycle.Delete = ptr.To(core.AfterWorker)
			},
			want: errs(notSupported("spec.resources[2].lifecycle.delete")),
		},
		{
			name: "unsupported policy",
			mutate: func(r *core.ControllerRegistration) {
				r.Spec.Deployment.Policy = ptr.To(core.ControllerDeploymentPolicy("Never"))
			},
			want: errs(notSupported("spec.deployment.policy")),
		},
		{
			name: "two deployment references, one without name",
			mutate: func(r *core.ControllerRegistration) {
				r.Spec.Deployment.DeploymentRefs = append(r.Spec.Deployment.DeploymentRefs, core.DeploymentRef{})
			},
			want: errs(tooMany("spec.deployment.deploymentRefs"), required("spec.deployment.deploymentRefs[1].name")),
		},
		{
			name:   "seed selector for a primary controller",
			mutate: func(r *core.ControllerRegistration) { r.Spec.Deployment.SeedSelector = &metav1.LabelSelector{} },
			want:   errs(forbidden("spec.deployment.seedSelector")),
		},
		{
			name:   "name not a DNS label",
			mutate: func(r *core.ControllerRegistration) { r.Name = "provider.local" },
			want:   errs(invalid("metadata.name")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			registration := newControllerRegistration()
			if tt.mutate != nil {
				tt.mutate(registration)
			}
			NewWithT(t).Expect(validation.ValidateControllerRegistration(registration)).To(consistOfErrors(tt.want))
		})
	}
}

func TestValidateControllerRegistrationUpdate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.ControllerRegistration)
		want   []types.GomegaMatcher
	}{
		{name: "unchanged"},
		{name: "resource added", mutate: func(r *core.ControllerRegistration) {
			r.Spec.Resources = append(r.Spec.Resources, core.ControllerResource{Kind: "Network", Type: "calico"})
		}},
		{
			name:   "primary changed",
			mutate: func(r *core.ControllerRegistration) { controllerResource(r, 1).Primary = ptr.To(false) },
			want:   errs(invalid("spec.resources[1].primary")),
		},
		{
			name:   "primary unset, which defaults to true",
			mutate: func(r *core.ControllerRegistration) { controllerResource(r, 1).Primary = nil },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			registration := newControllerRegistration()
			if tt.mutate != nil {
				tt.mutate(registration)
			}
			NewWithT(t).Expect(validation.ValidateControllerRegistrationUpdate(registration, newControllerRegistration())).To(consistOfErrors(tt.want))
		})
	}
}

func newControllerDeployment() *core.ControllerDeployment {
	return &core.ControllerDeployment{
		ObjectMeta: metav1.ObjectMeta{Name: "provider-local", ResourceVersion: "1"},
		Helm: &core.HelmControllerDeployment{
			OCIRepository: &core.OCIRepository{Ref: ptr.To("registry.example.com/provider-local:v1.0.0")},
		},
	}
}

func TestValidateControllerDeployment(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.ControllerDeployment)
		want   []types.GomegaMatcher
	}{
		{name: "valid helm OCI ref"},
		{name: "valid helm repository with tag", mutate: func(d *core.ControllerDeployment) {
			d.Helm.OCIRepository = &core.OCIRepository{Repository: ptr.To("registry.example.com/provider-local"), Tag: ptr.To("v1.0.0")}
		}},
		{name: "valid raw chart", mutate: func(d *core.ControllerDeployment) {
			d.Helm = &core.HelmControllerDeployment{RawChart: []byte("chart")}
		}},
		{name: "valid custom type", mutate: func(d *core.ControllerDeployment) {
			d.Helm, d.Type = nil, "hortus-process"
		}},
		{
			name:   "neither helm nor type",
			mutate: func(d *core.ControllerDeployment) { d.Helm = nil },
			want:   errs(required("type")),
		},
		{
			name: "helm and type",
			mutate: func(d *core.ControllerDeployment) {
				d.Type = "custom"
				d.ProviderConfig = &runtime.Unknown{}
			},
			want: errs(forbidden("type"), forbidden("providerConfig")),
		},
		{
			name:   "helm without chart",
			mutate: func(d *core.ControllerDeployment) { d.Helm.OCIRepository = nil },
			want:   errs(required("helm")),
		},
		{
			name:   "helm with raw chart and OCI repository",
			mutate: func(d *core.ControllerDeployment) { d.Helm.RawChart = []byte("chart") },
			want:   errs(forbidden("helm")),
		},
		{
			name:   "OCI ref with a tag",
			mutate: func(d *core.ControllerDeployment) { d.Helm.OCIRepository.Tag = ptr.To("v1") },
			want:   errs(forbidden("helm.ociRepository.tag")),
		},
		{
			name: "OCI repository without tag and digest",
			mutate: func(d *core.ControllerDeployment) {
				d.Helm.OCIRepository = &core.OCIRepository{Repository: ptr.To("registry.example.com/provider-local")}
			},
			want: errs(required("helm.ociRepository")),
		},
		{
			name: "OCI digest not sha256",
			mutate: func(d *core.ControllerDeployment) {
				d.Helm.OCIRepository = &core.OCIRepository{Repository: ptr.To("registry.example.com/provider-local"), Digest: ptr.To("md5:abc")}
			},
			want: errs(invalid("helm.ociRepository.digest")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			deployment := newControllerDeployment()
			if tt.mutate != nil {
				tt.mutate(deployment)
			}
			NewWithT(t).Expect(validation.ValidateControllerDeployment(deployment)).To(consistOfErrors(tt.want))
		})
	}
}

func TestValidateControllerDeploymentUpdate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.ControllerDeployment)
		want   []types.GomegaMatcher
	}{
		{name: "unchanged"},
		{name: "chart changed", mutate: func(d *core.ControllerDeployment) { d.Helm.OCIRepository.Ref = ptr.To("registry.example.com/x:v2") }},
		{
			name:   "name changed",
			mutate: func(d *core.ControllerDeployment) { d.Name = "other" },
			want:   errs(invalid("metadata.name")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			deployment := newControllerDeployment()
			if tt.mutate != nil {
				tt.mutate(deployment)
			}
			NewWithT(t).Expect(validation.ValidateControllerDeploymentUpdate(deployment, newControllerDeployment())).To(consistOfErrors(tt.want))
		})
	}
}

func newControllerInstallation() *core.ControllerInstallation {
	return &core.ControllerInstallation{
		ObjectMeta: metav1.ObjectMeta{Name: "provider-local-abcde", ResourceVersion: "1"},
		Spec: core.ControllerInstallationSpec{
			RegistrationRef: corev1.ObjectReference{Name: "provider-local"},
			SeedRef:         &corev1.ObjectReference{Name: "seed-1"},
		},
	}
}

func TestValidateControllerInstallation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.ControllerInstallation)
		want   []types.GomegaMatcher
	}{
		{name: "valid for a seed"},
		{name: "valid for a shoot", mutate: func(i *core.ControllerInstallation) {
			i.Spec.SeedRef, i.Spec.ShootRef = nil, &corev1.ObjectReference{Name: "web", Namespace: "garden-dev"}
		}},
		{
			name:   "registration missing",
			mutate: func(i *core.ControllerInstallation) { i.Spec.RegistrationRef.Name = "" },
			want:   errs(required("spec.registrationRef.name")),
		},
		{
			name:   "neither seed nor shoot",
			mutate: func(i *core.ControllerInstallation) { i.Spec.SeedRef = nil },
			want:   errs(required("spec.seedRef")),
		},
		{
			name: "seed and shoot",
			mutate: func(i *core.ControllerInstallation) {
				i.Spec.ShootRef = &corev1.ObjectReference{Name: "web", Namespace: "garden-dev"}
			},
			want: errs(forbidden("spec.seedRef")),
		},
		{
			name: "shoot without namespace",
			mutate: func(i *core.ControllerInstallation) {
				i.Spec.SeedRef, i.Spec.ShootRef = nil, &corev1.ObjectReference{Name: "web"}
			},
			want: errs(required("spec.shootRef.namespace")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			installation := newControllerInstallation()
			if tt.mutate != nil {
				tt.mutate(installation)
			}
			NewWithT(t).Expect(validation.ValidateControllerInstallation(installation)).To(consistOfErrors(tt.want))
		})
	}
}

func TestValidateControllerInstallationUpdate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.ControllerInstallation)
		want   []types.GomegaMatcher
	}{
		{name: "unchanged"},
		{name: "deployment reference set", mutate: func(i *core.ControllerInstallation) {
			i.Spec.DeploymentRef = &corev1.ObjectReference{Name: "provider-local"}
		}},
		{
			name:   "registration changed",
			mutate: func(i *core.ControllerInstallation) { i.Spec.RegistrationRef.Name = "other" },
			want:   errs(invalid("spec.registrationRef.name")),
		},
		{
			name:   "seed changed",
			mutate: func(i *core.ControllerInstallation) { i.Spec.SeedRef.Name = "seed-2" },
			want:   errs(invalid("spec.seedRef.name")),
		},
		{
			name: "seed replaced by a shoot",
			mutate: func(i *core.ControllerInstallation) {
				i.Spec.SeedRef, i.Spec.ShootRef = nil, &corev1.ObjectReference{Name: "web", Namespace: "garden-dev"}
			},
			want: errs(invalid("spec.seedRef"), invalid("spec.shootRef")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			installation := newControllerInstallation()
			if tt.mutate != nil {
				tt.mutate(installation)
			}
			NewWithT(t).Expect(validation.ValidateControllerInstallationUpdate(installation, newControllerInstallation())).To(consistOfErrors(tt.want))
		})
	}
}
