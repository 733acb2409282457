package projectmutator_test

import (
	"context"
	"testing"

	"github.com/gardener/gardener/pkg/apis/core"
	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/utils/ptr"

	"github.com/hortus-dev/hortus/pkg/admission/admissiontest"
	"github.com/hortus-dev/hortus/pkg/admission/projectmutator"
)

func user(name string) rbacv1.Subject {
	return rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: name}
}

func TestAdmit(t *testing.T) {
	alice, bob := user(admissiontest.User), user("bob")
	ownerMember := func(s rbacv1.Subject) core.ProjectMember {
		return core.ProjectMember{Subject: s, Roles: []string{core.ProjectMemberAdmin, core.ProjectMemberOwner}}
	}
	tests := []struct {
		name        string
		op          admission.Operation
		spec, old   core.ProjectSpec
		wantCreator *rbacv1.Subject
		wantOwner   *rbacv1.Subject
		wantMembers []core.ProjectMember
	}{
		{
			name:        "the creator owns a new project",
			op:          admission.Create,
			wantCreator: &alice, wantOwner: &alice,
			wantMembers: []core.ProjectMember{ownerMember(alice)},
		},
		{
			name:        "a named owner stays and becomes a member",
			op:          admission.Create,
			spec:        core.ProjectSpec{Owner: &bob},
			wantCreator: &alice, wantOwner: &bob,
			wantMembers: []core.ProjectMember{ownerMember(bob)},
		},
		{
			name:        "a member with the owner role becomes the owner",
			op:          admission.Create,
			spec:        core.ProjectSpec{Members: []core.ProjectMember{{Subject: bob, Roles: []string{core.ProjectMemberOwner}}}},
			wantCreator: &alice, wantOwner: &bob,
			wantMembers: []core.ProjectMember{{Subject: bob, Roles: []string{core.ProjectMemberOwner}}},
		},
		{
			name:        "an update keeps the creator and adds a new owner to the members",
			op:          admission.Update,
			spec:        core.ProjectSpec{CreatedBy: &bob, Owner: &bob, Members: []core.ProjectMember{{Subject: alice, Roles: []string{"viewer"}}}},
			wantCreator: &bob, wantOwner: &bob,
			wantMembers: []core.ProjectMember{{Subject: alice, Roles: []string{"viewer"}}, ownerMember(bob)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			project := &core.Project{ObjectMeta: metav1.ObjectMeta{Name: "dev"}, Spec: tt.spec}
			var old *core.Project
			if tt.op == admission.Update {
				old = &core.Project{ObjectMeta: metav1.ObjectMeta{Name: "dev"}, Spec: tt.old}
			}
			attrs := admissiontest.Attributes(tt.op, "Project", project, nil)
			if old != nil {
				attrs = admissiontest.Attributes(tt.op, "Project", project, old)
			}
			g.Expect(projectmutator.New().Admit(context.Background(), attrs, nil)).To(Succeed())
			g.Expect(project.Spec.CreatedBy).To(Equal(tt.wantCreator))
			g.Expect(project.Spec.Owner).To(Equal(tt.wantOwner))
			g.Expect(project.Spec.Members).To(Equal(tt.wantMembers))
		})
	}
}

func TestLeavesOthersAlone(t *testing.T) {
	g := NewWithT(t)
	deleting := &core.Project{ObjectMeta: metav1.ObjectMeta{Name: "dev", DeletionTimestamp: &metav1.Time{}}, Spec: core.ProjectSpec{Owner: ptr.To(user("bob"))}}
	g.Expect(projectmutator.New().Admit(context.Background(), admissiontest.Attributes(admission.Update, "Project", deleting, deleting.DeepCopy()), nil)).To(Succeed())
	g.Expect(deleting.Spec.Members).To(BeEmpty())

	shoot := &core.Shoot{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "garden-dev"}}
	g.Expect(projectmutator.New().Admit(context.Background(), admissiontest.Attributes(admission.Create, "Shoot", shoot, nil), nil)).To(Succeed())
}
