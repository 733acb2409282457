package validation_test

import (
	"testing"

	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/gardener/gardener/pkg/apis/core"

	"github.com/hortus-dev/hortus/pkg/api/core/validation"
)

func user(name string) rbacv1.Subject {
	return rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: name}
}

// newProject returns a valid Project with an owner and two members.
func newProject() *core.Project {
	return &core.Project{
		ObjectMeta: metav1.ObjectMeta{Name: "dev", ResourceVersion: "1"},
		Spec: core.ProjectSpec{
			Owner:     ptr.To(user("john@example.com")),
			Namespace: ptr.To("garden-dev"),
			Members: []core.ProjectMember{
				{Subject: user("john@example.com"), Roles: []string{core.ProjectMemberAdmin, core.ProjectMemberOwner}},
				{Subject: user("alice@example.com"), Roles: []string{core.ProjectMemberViewer, "extension:monitoring"}},
				{
					Subject: rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: "robot", Namespace: "garden-dev"},
					Roles:   []string{core.ProjectMemberServiceAccountManager, core.ProjectMemberUserAccessManager},
				},
			},
		},
	}
}

func member(p *core.Project, i int) *core.ProjectMember {
	return &p.Spec.Members[i]
}

func TestValidateProject(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.Project)
		want   []types.GomegaMatcher
	}{
		{name: "valid"},
		{name: "namespace not set yet", mutate: func(p *core.Project) { p.Spec.Namespace = nil }},
		{name: "the garden namespace", mutate: func(p *core.Project) { p.Name, p.Spec.Namespace = "garden", ptr.To("garden") }},
		{
			name:   "name longer than 10 characters",
			mutate: func(p *core.Project) { p.Name = "development" },
			want:   errs(tooLong("metadata.name")),
		},
		{
			name:   "name not a DNS label",
			mutate: func(p *core.Project) { p.Name = "dev.team" },
			want:   errs(invalid("metadata.name")),
		},
		{
			name:   "name with two consecutive hyphens",
			mutate: func(p *core.Project) { p.Name = "dev--a" },
			want:   errs(invalid("metadata.name")),
		},
		{
			name:   "namespace without the garden- prefix",
			mutate: func(p *core.Project) { p.Spec.Namespace = ptr.To("dev") },
			want:   errs(invalidWithDetail("spec.namespace", `must start with "garden-"`)),
		},
		{
			name:   "namespace not a DNS label",
			mutate: func(p *core.Project) { p.Spec.Namespace = ptr.To("garden-Dev") },
			want:   errs(invalid("spec.namespace")),
		},
		{
			name:   "unknown role",
			mutate: func(p *core.Project) { member(p, 1).Roles = []string{"editor"} },
			want:   errs(notSupported("spec.members[1].roles[0]")),
		},
		{
			name:   "extension role without a name",
			mutate: func(p *core.Project) { member(p, 1).Roles = []string{"extension:"} },
			want:   errs(invalid("spec.members[1].roles[0]")),
		},
		{
			name:   "extension role name too long",
			mutate: func(p *core.Project) { member(p, 1).Roles = []string{"extension:a-very-long-extension-role"} },
			want:   errs(tooLong("spec.members[1].roles[0]")),
		},
		{
			name:   "extension role name with a slash",
			mutate: func(p *core.Project) { member(p, 1).Roles = []string{"extension:a/b"} },
			want:   errs(invalid("spec.members[1].roles[0]")),
		},
		{
			name:   "duplicate role",
			mutate: func(p *core.Project) { member(p, 1).Roles = []string{"viewer", "viewer"} },
			want:   errs(duplicate("spec.members[1].roles[1]")),
		},
		{
			name:   "two owners",
			mutate: func(p *core.Project) { member(p, 1).Roles = []string{core.ProjectMemberOwner} },
			want:   errs(forbidden("spec.members[1].roles[0]")),
		},
		{
			name:   "duplicate member",
			mutate: func(p *core.Project) { p.Spec.Members = append(p.Spec.Members, *member(p, 1)) },
			want:   errs(duplicate("spec.members[3]")),
		},
		{
			name: "service account also listed as its user name",
			mutate: func(p *core.Project) {
				p.Spec.Members = append(p.Spec.Members, core.ProjectMember{
					Subject: user("system:serviceaccount:garden-dev:robot"), Roles: []string{"viewer"},
				})
			},
			want: errs(duplicate("spec.members[3]")),
		},
		{
			name:   "unsupported member kind",
			mutate: func(p *core.Project) { member(p, 1).Kind = "Robot" },
			want:   errs(notSupported("spec.members[1].kind")),
		},
		{
			name:   "user without the RBAC API group",
			mutate: func(p *core.Project) { member(p, 1).APIGroup = "" },
			want:   errs(notSupported("spec.members[1].apiGroup")),
		},
		{
			name:   "user with a namespace",
			mutate: func(p *core.Project) { member(p, 1).Namespace = "garden-dev" },
			want:   errs(forbidden("spec.members[1].namespace")),
		},
		{
			name:   "service account without a namespace",
			mutate: func(p *core.Project) { member(p, 2).Namespace = "" },
			want:   errs(required("spec.members[2].namespace")),
		},
		{
			name:   "member without a name",
			mutate: func(p *core.Project) { member(p, 1).Name = "" },
			want:   errs(required("spec.members[1].name")),
		},
		{
			name:   "owner of an unsupported kind",
			mutate: func(p *core.Project) { p.Spec.Owner.Kind = "Robot" },
			want:   errs(notSupported("spec.owner.kind")),
		},
		{
			name:   "empty description",
			mutate: func(p *core.Project) { p.Spec.Description = ptr.To("") },
			want:   errs(required("spec.description")),
		},
		{
			name: "duplicate toleration",
			mutate: func(p *core.Project) {
				p.Spec.Tolerations = &core.ProjectTolerations{Defaults: []core.Toleration{{Key: "a"}, {Key: "a", Value: ptr.To("b")}}}
			},
			want: errs(duplicate("spec.tolerations.defaults[1]")),
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			project := newProject()
			if tt.mutate != nil {
				tt.mutate(project)
			}
			NewWithT(t).Expect(validation.ValidateProject(project)).To(consistOfErrors(tt.want))
		})
	}
}

func TestValidateProjectUpdate(t *testing.T) {
	tests := []struct {
		name   string
		old    func() *core.Project
		mutate func(*core.Project)
		want   []types.GomegaMatcher
	}{
		{name: "unchanged"},
		{
			name:   "namespace changed",
			mutate: func(p *core.Project) { p.Spec.Namespace = ptr.To("garden-other") },
			want:   errs(invalid("spec.namespace")),
		},
		{
			name:   "namespace removed",
			mutate: func(p *core.Project) { p.Spec.Namespace = nil },
			want:   errs(invalid("spec.namespace")),
		},
		{
			name: "namespace set for the first time",
			old: func() *core.Project {
				p := newProject()
				p.Spec.Namespace = nil
				return p
			},
		},
		{
			name:   "owner removed",
			mutate: func(p *core.Project) { p.Spec.Owner = nil },
			want:   errs(forbidden("spec.owner")),
		},
		{
			name:   "members changed",
			mutate: func(p *core.Project) { p.Spec.Members = p.Spec.Members[:1] },
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oldProject := newProject()
			if tt.old != nil {
				oldProject = tt.old()
			}
			newProject := newProject()
			if tt.mutate != nil {
				tt.mutate(newProject)
			}
			NewWithT(t).Expect(validation.ValidateProjectUpdate(newProject, oldProject)).To(consistOfErrors(tt.want))
		})
	}
}
