package registry_test

import (
	"context"
	"testing"

	"github.com/gardener/gardener/pkg/apis/core"
	"github.com/gardener/gardener/pkg/apis/security"
	"github.com/gardener/gardener/pkg/apis/seedmanagement"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/utils/ptr"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/backupbucket"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/backupentry"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/cloudprofile"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/controllerinstallation"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/controllerregistration"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/namespacedcloudprofile"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/project"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/quota"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/seed"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/shootstate"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/security/credentialsbinding"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/seedmanagement/managedseed"
)

var typer = runtime.NewScheme()

// statusStrategies are the main and status strategies of every resource with a status,
// with an object and a change of its spec and of its status.
type statusResource struct {
	name       string
	main       rest.RESTCreateUpdateStrategy
	status     rest.RESTUpdateStrategy
	newObj     func() runtime.Object
	changeSpec func(runtime.Object)
	changeStat func(runtime.Object)
	// spec and stat read what the changes change.
	spec, stat func(runtime.Object) any
}

func statusResources() []statusResource {
	return []statusResource{
		{
			name: "seeds", main: seed.NewStrategy(typer), status: seed.NewStatusStrategy(typer),
			newObj:     func() runtime.Object { return &core.Seed{ObjectMeta: meta()} },
			changeSpec: func(o runtime.Object) { o.(*core.Seed).Spec.Provider.Region = "changed" },
			changeStat: func(o runtime.Object) { o.(*core.Seed).Status.KubernetesVersion = ptr.To("1.36.3") },
			spec:       func(o runtime.Object) any { return o.(*core.Seed).Spec },
			stat:       func(o runtime.Object) any { return o.(*core.Seed).Status },
		},
		{
			name: "projects", main: project.NewStrategy(typer), status: project.NewStatusStrategy(typer),
			newObj:     func() runtime.Object { return &core.Project{ObjectMeta: meta()} },
			changeSpec: func(o runtime.Object) { o.(*core.Project).Spec.Purpose = ptr.To("changed") },
			changeStat: func(o runtime.Object) { o.(*core.Project).Status.Phase = core.ProjectReady },
			spec:       func(o runtime.Object) any { return o.(*core.Project).Spec },
			stat:       func(o runtime.Object) any { return o.(*core.Project).Status },
		},
		{
			name: "cloudprofiles", main: cloudprofile.NewStrategy(typer), status: cloudprofile.NewStatusStrategy(typer),
			newObj:     func() runtime.Object { return &core.CloudProfile{ObjectMeta: meta()} },
			changeSpec: func(o runtime.Object) { o.(*core.CloudProfile).Spec.Type = "changed" },
			changeStat: func(o runtime.Object) { o.(*core.CloudProfile).Status.Kubernetes = &core.KubernetesStatus{} },
			spec:       func(o runtime.Object) any { return o.(*core.CloudProfile).Spec },
			stat:       func(o runtime.Object) any { return o.(*core.CloudProfile).Status },
		},
		{
			name: "namespacedcloudprofiles", main: namespacedcloudprofile.NewStrategy(typer), status: namespacedcloudprofile.NewStatusStrategy(typer),
			newObj:     func() runtime.Object { return &core.NamespacedCloudProfile{ObjectMeta: meta()} },
			changeSpec: func(o runtime.Object) { o.(*core.NamespacedCloudProfile).Spec.Parent.Name = "changed" },
			changeStat: func(o runtime.Object) { o.(*core.NamespacedCloudProfile).Status.ObservedGeneration = 3 },
			spec:       func(o runtime.Object) any { return o.(*core.NamespacedCloudProfile).Spec },
			stat:       func(o runtime.Object) any { return o.(*core.NamespacedCloudProfile).Status },
		},
		{
			name: "controllerinstallations", main: controllerinstallation.NewStrategy(typer), status: controllerinstallation.NewStatusStrategy(typer),
			newObj:     func() runtime.Object { return &core.ControllerInstallation{ObjectMeta: meta()} },
			changeSpec: func(o runtime.Object) { o.(*core.ControllerInstallation).Spec.RegistrationRef.Name = "changed" },
			changeStat: func(o runtime.Object) {
				o.(*core.ControllerInstallation).Status.Conditions = []core.Condition{{Type: core.ControllerInstallationValid}}
			},
			spec: func(o runtime.Object) any { return o.(*core.ControllerInstallation).Spec },
			stat: func(o runtime.Object) any { return o.(*core.ControllerInstallation).Status },
		},
		{
			name: "backupbuckets", main: backupbucket.NewStrategy(typer), status: backupbucket.NewStatusStrategy(typer),
			newObj:     func() runtime.Object { return &core.BackupBucket{ObjectMeta: meta()} },
			changeSpec: func(o runtime.Object) { o.(*core.BackupBucket).Spec.SeedName = ptr.To("changed") },
			changeStat: func(o runtime.Object) { o.(*core.BackupBucket).Status.ObservedGeneration = 3 },
			spec:       func(o runtime.Object) any { return o.(*core.BackupBucket).Spec },
			stat:       func(o runtime.Object) any { return o.(*core.BackupBucket).Status },
		},
		{
			name: "backupentries", main: backupentry.NewStrategy(typer), status: backupentry.NewStatusStrategy(typer),
			newObj:     func() runtime.Object { return &core.BackupEntry{ObjectMeta: meta()} },
			changeSpec: func(o runtime.Object) { o.(*core.BackupEntry).Spec.BucketName = "changed" },
			changeStat: func(o runtime.Object) { o.(*core.BackupEntry).Status.SeedName = ptr.To("seed") },
			spec:       func(o runtime.Object) any { return o.(*core.BackupEntry).Spec },
			stat:       func(o runtime.Object) any { return o.(*core.BackupEntry).Status },
		},
		{
			name: "managedseeds", main: managedseed.NewStrategy(typer), status: managedseed.NewStatusStrategy(typer),
			newObj: func() runtime.Object { return &seedmanagement.ManagedSeed{ObjectMeta: meta()} },
			changeSpec: func(o runtime.Object) {
				o.(*seedmanagement.ManagedSeed).Spec.Shoot = &seedmanagement.Shoot{Name: "changed"}
			},
			changeStat: func(o runtime.Object) { o.(*seedmanagement.ManagedSeed).Status.ObservedGeneration = 3 },
			spec:       func(o runtime.Object) any { return o.(*seedmanagement.ManagedSeed).Spec },
			stat:       func(o runtime.Object) any { return o.(*seedmanagement.ManagedSeed).Status },
		},
	}
}

func meta() metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: "x", Namespace: "ns", Generation: 5, ResourceVersion: "7"}
}

func generation(o runtime.Object) int64 { return o.(metav1.Object).GetGeneration() }

func TestStatusResources(t *testing.T) {
	ctx := context.Background()
	for _, r := range statusResources() {
		t.Run(r.name, func(t *testing.T) {
			g := NewWithT(t)

			// Create clears the status and starts at generation 1.
			obj := r.newObj()
			r.changeStat(obj)
			r.main.PrepareForCreate(ctx, obj)
			g.Expect(generation(obj)).To(Equal(int64(1)))
			g.Expect(r.stat(obj)).To(Equal(r.stat(r.newObj())), "create clears the status")

			// The main endpoint keeps the status and bumps the generation for spec changes only.
			old := r.newObj()
			obj = r.newObj()
			r.changeStat(obj)
			r.main.PrepareForUpdate(ctx, obj, old)
			g.Expect(r.stat(obj)).To(Equal(r.stat(old)))
			g.Expect(generation(obj)).To(Equal(generation(old)))
			obj = r.newObj()
			r.changeSpec(obj)
			r.main.PrepareForUpdate(ctx, obj, old)
			g.Expect(r.spec(obj)).NotTo(Equal(r.spec(old)))
			g.Expect(generation(obj)).To(Equal(generation(old) + 1))

			// /status keeps the spec and the generation.
			obj = r.newObj()
			r.changeSpec(obj)
			r.changeStat(obj)
			r.status.PrepareForUpdate(ctx, obj, old)
			g.Expect(r.spec(obj)).To(Equal(r.spec(old)))
			g.Expect(r.stat(obj)).NotTo(Equal(r.stat(old)))
			g.Expect(generation(obj)).To(Equal(generation(old)))
			g.Expect(r.status.ValidateUpdate(ctx, obj, old)).To(BeEmpty())

			g.Expect(r.main.(rest.ResetFieldsStrategy).GetResetFields()).NotTo(BeEmpty())
			g.Expect(r.status.(rest.ResetFieldsStrategy).GetResetFields()).NotTo(BeEmpty())
		})
	}
}

func TestSpecOnlyResources(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name          string
		strategy      rest.RESTCreateUpdateStrategy
		newObj        func() runtime.Object
		changeSpec    func(runtime.Object)
		hasGeneration bool
		unconditional bool
	}{
		{
			name: "quotas", strategy: quota.NewStrategy(typer), unconditional: true,
			newObj:     func() runtime.Object { return &core.Quota{ObjectMeta: meta()} },
			changeSpec: func(o runtime.Object) { o.(*core.Quota).Spec.ClusterLifetimeDays = ptr.To[int32](3) },
		},
		{
			name: "credentialsbindings", strategy: credentialsbinding.NewStrategy(typer),
			newObj:     func() runtime.Object { return &security.CredentialsBinding{ObjectMeta: meta()} },
			changeSpec: func(o runtime.Object) { o.(*security.CredentialsBinding).Provider.Type = "changed" },
		},
		{
			name: "controllerregistrations", strategy: controllerregistration.NewStrategy(typer), hasGeneration: true, unconditional: true,
			newObj: func() runtime.Object { return &core.ControllerRegistration{ObjectMeta: meta()} },
			changeSpec: func(o runtime.Object) {
				o.(*core.ControllerRegistration).Spec.Resources = []core.ControllerResource{{Kind: "changed"}}
			},
		},
		{
			name: "shootstates", strategy: shootstate.NewStrategy(typer), hasGeneration: true,
			newObj: func() runtime.Object { return &core.ShootState{ObjectMeta: meta()} },
			changeSpec: func(o runtime.Object) {
				o.(*core.ShootState).Spec.Gardener = []core.GardenerResourceData{{Name: "changed"}}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			g.Expect(tt.strategy.AllowUnconditionalUpdate()).To(Equal(tt.unconditional))
			_, resets := tt.strategy.(rest.ResetFieldsStrategy)
			g.Expect(resets).To(BeFalse(), "a resource without a status resets no fields")

			created, old := tt.newObj(), tt.newObj()
			tt.strategy.PrepareForCreate(ctx, created)
			changed := tt.newObj()
			tt.changeSpec(changed)
			tt.strategy.PrepareForUpdate(ctx, changed, old)
			deleted := tt.newObj()
			deleted.(metav1.Object).SetDeletionTimestamp(&metav1.Time{})
			tt.strategy.PrepareForUpdate(ctx, deleted, old)
			if tt.hasGeneration {
				g.Expect(generation(created)).To(Equal(int64(1)))
				g.Expect(generation(changed)).To(Equal(generation(old) + 1))
				g.Expect(generation(deleted)).To(Equal(generation(old) + 1))
			} else {
				g.Expect(generation(created)).To(Equal(generation(old)))
				g.Expect(generation(changed)).To(Equal(generation(old)))
				g.Expect(generation(deleted)).To(Equal(generation(old)))
			}
		})
	}
}
