package shoot_test

import (
	"context"
	"testing"
	"time"

	"github.com/gardener/gardener/pkg/apis/core"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/shoot"
)

var typer = runtime.NewScheme()

// newShoot returns a workerless Shoot that the validation package accepts.
func newShoot() *core.Shoot {
	return &core.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "garden-dev", ResourceVersion: "1", Generation: 1},
		Spec: core.ShootSpec{
			CloudProfile: &core.CloudProfileReference{Kind: "CloudProfile", Name: "local"},
			Region:       "local",
			Provider:     core.Provider{Type: "local"},
			Kubernetes:   core.Kubernetes{Version: "1.33.0"},
		},
	}
}

func TestPrepareForCreate(t *testing.T) {
	g := NewWithT(t)
	s := newShoot()
	s.Spec.CloudProfile.Kind = ""
	s.Generation = 7
	s.Status.SeedName = ptr.To("seed")
	shoot.NewStrategy(typer).PrepareForCreate(context.Background(), s)
	g.Expect(s.Generation).To(Equal(int64(1)))
	g.Expect(s.Status).To(Equal(core.ShootStatus{}))
	g.Expect(s.Spec.CloudProfile.Kind).To(Equal("CloudProfile"), "an empty kind is defaulted")
	g.Expect(shoot.NewStrategy(typer).Validate(context.Background(), s)).To(BeEmpty())
}

func TestPrepareForUpdate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*core.Shoot)
		wantGen int64
	}{
		{name: "metadata only", mutate: func(s *core.Shoot) { s.Labels = map[string]string{"a": "b"} }, wantGen: 1},
		{name: "status only", mutate: func(s *core.Shoot) { s.Status.IsHibernated = true }, wantGen: 1},
		{name: "spec change", mutate: func(s *core.Shoot) { s.Spec.Region = "other" }, wantGen: 2},
		{name: "deletion", mutate: func(s *core.Shoot) { now := metav1.Now(); s.DeletionTimestamp = &now }, wantGen: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			old := newShoot()
			old.Status.IsHibernated = false
			s := old.DeepCopy()
			tt.mutate(s)
			shoot.NewStrategy(typer).PrepareForUpdate(context.Background(), s, old)
			g.Expect(s.Generation).To(Equal(tt.wantGen))
			g.Expect(s.Status).To(Equal(old.Status), "the main endpoint keeps the status")
		})
	}
}

func TestValidateUpdateRejectsSeedNameChange(t *testing.T) {
	g := NewWithT(t)
	old := newShoot()
	s := old.DeepCopy()
	s.Spec.SeedName = ptr.To("seed-a")
	errs := shoot.NewStrategy(typer).ValidateUpdate(context.Background(), s, old)
	g.Expect(errs).NotTo(BeEmpty())
	g.Expect(errs[0].Field).To(Equal("spec.seedName"))
}

func TestStatusStrategyKeepsSpec(t *testing.T) {
	g := NewWithT(t)
	old := newShoot()
	s := old.DeepCopy()
	s.Spec.Region = "changed"
	s.Status.IsHibernated = true
	shoot.NewStatusStrategy(typer).PrepareForUpdate(context.Background(), s, old)
	g.Expect(s.Spec).To(Equal(old.Spec))
	g.Expect(s.Status.IsHibernated).To(BeTrue())
	g.Expect(s.Generation).To(Equal(old.Generation))
}

func TestBindingStrategyOnlySetsSeedName(t *testing.T) {
	g := NewWithT(t)
	old := newShoot()
	s := old.DeepCopy()
	s.Spec.SeedName = ptr.To("seed-a")
	s.Spec.Region = "ignored"
	s.Status.IsHibernated = true
	strategy := shoot.NewBindingStrategy(typer)
	strategy.PrepareForUpdate(context.Background(), s, old)
	g.Expect(s.Spec.SeedName).To(Equal(ptr.To("seed-a")))
	g.Expect(s.Spec.Region).To(Equal("local"))
	g.Expect(s.Status.IsHibernated).To(BeFalse())
	g.Expect(s.Generation).To(Equal(old.Generation + 1))
	g.Expect(strategy.ValidateUpdate(context.Background(), s, old)).To(BeEmpty())

	unset := old.DeepCopy()
	old.Spec.SeedName = ptr.To("seed-a")
	strategy.PrepareForUpdate(context.Background(), unset, old)
	g.Expect(strategy.ValidateUpdate(context.Background(), unset, old)).NotTo(BeEmpty(), "a binding never unsets the seed")
}

func TestSelectableFields(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.Shoot)
		want   fields.Set
	}{
		{
			name: "cloudProfile only",
			want: fields.Set{
				"spec.cloudProfileName": "local", "spec.cloudProfile.name": "local", "spec.cloudProfile.kind": "CloudProfile",
				"spec.seedName": "", "status.seedName": "", "spec.provider.type": "local",
			},
		},
		{
			name: "cloudProfileName only",
			mutate: func(s *core.Shoot) {
				s.Spec.CloudProfile = nil
				s.Spec.CloudProfileName = ptr.To("old-style")
			},
			want: fields.Set{"spec.cloudProfileName": "old-style", "spec.cloudProfile.name": "old-style", "spec.cloudProfile.kind": "CloudProfile"},
		},
		{
			name: "namespaced cloud profile",
			mutate: func(s *core.Shoot) {
				s.Spec.CloudProfile = &core.CloudProfileReference{Kind: "NamespacedCloudProfile", Name: "mine"}
			},
			want: fields.Set{"spec.cloudProfileName": "", "spec.cloudProfile.name": "mine", "spec.cloudProfile.kind": "NamespacedCloudProfile"},
		},
		{
			name: "seeds",
			mutate: func(s *core.Shoot) {
				s.Spec.SeedName = ptr.To("a")
				s.Status.SeedName = ptr.To("b")
			},
			want: fields.Set{"spec.seedName": "a", "status.seedName": "b", "metadata.name": "s", "metadata.namespace": "garden-dev"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			s := newShoot()
			if tt.mutate != nil {
				tt.mutate(s)
			}
			got := shoot.SelectableFields(s)
			for k, v := range tt.want {
				g.Expect(got).To(HaveKeyWithValue(k, v))
			}
		})
	}
}

func TestConvertFieldLabel(t *testing.T) {
	g := NewWithT(t)
	for _, l := range shoot.FieldLabels {
		label, value, err := shoot.ConvertFieldLabel(l, "x")
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(label).To(Equal(l))
		g.Expect(value).To(Equal("x"))
	}
	label, _, err := shoot.ConvertFieldLabel("spec.cloudProfile.Name", "x")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(label).To(Equal("spec.cloudProfile.name"), "Gardener's spelling is accepted")
	_, _, err = shoot.ConvertFieldLabel("spec.region", "x")
	g.Expect(err).To(HaveOccurred())
}

func TestCanonicalizeMaintainsSeedNameLabels(t *testing.T) {
	g := NewWithT(t)
	s := newShoot()
	s.Labels = map[string]string{"name.seed.gardener.cloud/stale": "true", "keep": "me"}
	s.Spec.SeedName = ptr.To("a")
	s.Status.SeedName = ptr.To("b")
	shoot.NewStrategy(typer).Canonicalize(s)
	g.Expect(s.Labels).To(Equal(map[string]string{
		"keep": "me", "name.seed.gardener.cloud/a": "true", "name.seed.gardener.cloud/b": "true",
	}))
}

func TestTable(t *testing.T) {
	g := NewWithT(t)
	s := newShoot()
	s.CreationTimestamp = metav1.NewTime(time.Now().Add(-time.Hour))
	s.Labels = map[string]string{"shoot.gardener.cloud/status": "healthy"}
	s.Spec.SeedName = ptr.To("seed-a")
	s.Spec.Hibernation = &core.Hibernation{Enabled: ptr.To(true)}
	s.Status.LastOperation = &core.LastOperation{Type: core.LastOperationTypeCreate, State: core.LastOperationStateProcessing, Progress: 40}
	s.Status.Conditions = []core.Condition{{Type: core.ShootAPIServerAvailable, Status: core.ConditionTrue}}
	table, err := shoot.NewTableConvertor().ConvertToTable(context.Background(), &core.ShootList{Items: []core.Shoot{*s}}, nil)
	g.Expect(err).NotTo(HaveOccurred())
	var names []string
	for _, c := range table.ColumnDefinitions {
		if c.Priority == 0 {
			names = append(names, c.Name)
		}
	}
	g.Expect(names).To(Equal([]string{"Name", "CloudProfile", "Provider", "Region", "K8S Version", "Hibernation", "Last Operation", "Status", "Age"}))
	g.Expect(table.Rows).To(HaveLen(1))
	g.Expect(table.Rows[0].Cells).To(Equal([]any{
		"s", "local", "local", "local", "seed-a", "1.33.0", "Hibernating", "Create Processing (40%)", "healthy",
		"<none>", "True", "<unknown>", "<unknown>", "<unknown>", "60m",
	}))
}

func TestHibernation(t *testing.T) {
	for _, tt := range []struct {
		want, is bool
		out      string
	}{{true, true, "Hibernated"}, {true, false, "Hibernating"}, {false, true, "Waking Up"}, {false, false, "Awake"}} {
		s := newShoot()
		s.Spec.Hibernation = &core.Hibernation{Enabled: ptr.To(tt.want)}
		s.Status.IsHibernated = tt.is
		NewWithT(t).Expect(shoot.Hibernation(s)).To(Equal(tt.out))
	}
}
