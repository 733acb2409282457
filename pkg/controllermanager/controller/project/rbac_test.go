package project

import (
	"testing"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func user(name string) rbacv1.Subject {
	return rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: name}
}

func group(name string) rbacv1.Subject {
	return rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: name}
}

func serviceAccount(namespace, name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: namespace, Name: name}
}

func member(s rbacv1.Subject, role string, roles ...string) gardencorev1beta1.ProjectMember {
	return gardencorev1beta1.ProjectMember{Subject: s, Role: role, Roles: roles}
}

func testProject(owner *rbacv1.Subject, members ...gardencorev1beta1.ProjectMember) *gardencorev1beta1.Project {
	return &gardencorev1beta1.Project{
		ObjectMeta: metav1.ObjectMeta{Name: "dev", UID: "uid-dev"},
		Spec: gardencorev1beta1.ProjectSpec{
			Namespace: ptr.To("garden-dev"),
			Owner:     owner,
			Members:   members,
		},
	}
}

// bindings sums up rendered RBAC: binding name → subjects, for ClusterRoleBindings ("crb "
// prefix) and RoleBindings ("rb " prefix).
func bindings(rbac RBAC) map[string][]rbacv1.Subject {
	out := map[string][]rbacv1.Subject{}
	for _, b := range rbac.ClusterRoleBindings {
		out["crb "+b.Name] = b.Subjects
	}
	for _, b := range rbac.RoleBindings {
		out["rb "+b.Name] = b.Subjects
	}
	return out
}

func TestDesiredRBACBindings(t *testing.T) {
	alice, bob, carol, dave := user("alice"), user("bob"), user("carol"), user("dave")
	ops, robot := group("ops"), serviceAccount("garden-dev", "robot")
	tests := []struct {
		name    string
		project *gardencorev1beta1.Project
		want    map[string][]rbacv1.Subject
	}{
		{
			name:    "owner only: admin of the project, member and service account manager in the namespace",
			project: testProject(&alice),
			want: map[string][]rbacv1.Subject{
				"crb gardener.cloud:system:project:dev":                  {alice},
				"crb gardener.cloud:system:project-uam:dev":              nil,
				"crb gardener.cloud:system:project-member:dev":           {alice},
				"crb gardener.cloud:system:project-viewer:dev":           nil,
				"rb gardener.cloud:system:project-serviceaccountmanager": {alice},
				"rb gardener.cloud:system:project-member":                {alice},
				"rb gardener.cloud:system:project-viewer":                nil,
			},
		},
		{
			name: "one member per role",
			project: testProject(&alice,
				member(alice, gardencorev1beta1.ProjectMemberAdmin, gardencorev1beta1.ProjectMemberOwner),
				member(bob, gardencorev1beta1.ProjectMemberAdmin),
				member(carol, gardencorev1beta1.ProjectMemberViewer),
				member(dave, gardencorev1beta1.ProjectMemberUserAccessManager),
				member(robot, gardencorev1beta1.ProjectMemberServiceAccountManager),
			),
			want: map[string][]rbacv1.Subject{
				"crb gardener.cloud:system:project:dev":                  {alice},
				"crb gardener.cloud:system:project-uam:dev":              {dave},
				"crb gardener.cloud:system:project-member:dev":           {alice, bob},
				"crb gardener.cloud:system:project-viewer:dev":           {carol},
				"rb gardener.cloud:system:project-serviceaccountmanager": {alice, robot},
				"rb gardener.cloud:system:project-member":                {alice, bob},
				"rb gardener.cloud:system:project-viewer":                {carol},
			},
		},
		{
			name: "role and roles together, a group, and repeats",
			project: testProject(nil,
				member(ops, gardencorev1beta1.ProjectMemberViewer, gardencorev1beta1.ProjectMemberUserAccessManager, gardencorev1beta1.ProjectMemberViewer),
				member(bob, gardencorev1beta1.ProjectMemberOwner),
				member(bob, gardencorev1beta1.ProjectMemberAdmin),
			),
			want: map[string][]rbacv1.Subject{
				"crb gardener.cloud:system:project:dev":                  nil,
				"crb gardener.cloud:system:project-uam:dev":              {ops},
				"crb gardener.cloud:system:project-member:dev":           {bob},
				"crb gardener.cloud:system:project-viewer:dev":           {ops},
				"rb gardener.cloud:system:project-serviceaccountmanager": {bob},
				"rb gardener.cloud:system:project-member":                {bob},
				"rb gardener.cloud:system:project-viewer":                {ops},
			},
		},
		{
			name: "an owner listed as viewer only is not made a member",
			project: testProject(&carol,
				member(carol, gardencorev1beta1.ProjectMemberViewer),
			),
			want: map[string][]rbacv1.Subject{
				"crb gardener.cloud:system:project:dev":                  {carol},
				"crb gardener.cloud:system:project-uam:dev":              nil,
				"crb gardener.cloud:system:project-member:dev":           nil,
				"crb gardener.cloud:system:project-viewer:dev":           {carol},
				"rb gardener.cloud:system:project-serviceaccountmanager": {carol},
				"rb gardener.cloud:system:project-member":                nil,
				"rb gardener.cloud:system:project-viewer":                {carol},
			},
		},
		{
			name: "extension roles get a RoleBinding each, no ClusterRoleBinding",
			project: testProject(nil,
				member(bob, "extension:foo", "extension:bar"),
				member(carol, gardencorev1beta1.ProjectMemberViewer, "extension:foo"),
				member(dave, "unknown"),
			),
			want: map[string][]rbacv1.Subject{
				"crb gardener.cloud:system:project:dev":                  nil,
				"crb gardener.cloud:system:project-uam:dev":              nil,
				"crb gardener.cloud:system:project-member:dev":           nil,
				"crb gardener.cloud:system:project-viewer:dev":           {carol},
				"rb gardener.cloud:system:project-serviceaccountmanager": nil,
				"rb gardener.cloud:system:project-member":                nil,
				"rb gardener.cloud:system:project-viewer":                {carol},
				"rb gardener.cloud:extension:project:dev:bar":            {bob},
				"rb gardener.cloud:extension:project:dev:foo":            {bob, carol},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			rbac, err := DesiredRBAC(tt.project)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(bindings(rbac)).To(Equal(tt.want))

			for _, b := range rbac.ClusterRoleBindings {
				g.Expect(b.RoleRef).To(Equal(rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: b.Name}))
			}
			for _, b := range rbac.RoleBindings {
				g.Expect(b.Namespace).To(Equal("garden-dev"))
				g.Expect(b.RoleRef).To(Equal(rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: b.Name}))
			}
			for _, obj := range append(append([]metav1.Object{}, objects(rbac.ClusterRoles)...), append(objects(rbac.ClusterRoleBindings), objects(rbac.RoleBindings)...)...) {
				g.Expect(obj.GetOwnerReferences()).To(ConsistOf(metav1.OwnerReference{
					APIVersion: "core.gardener.cloud/v1beta1", Kind: "Project", Name: "dev", UID: "uid-dev",
					Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(false),
				}), obj.GetName())
			}
		})
	}
}

func objects[T metav1.Object](in []T) []metav1.Object {
	out := make([]metav1.Object, 0, len(in))
	for _, o := range in {
		out = append(out, o)
	}
	return out
}

func TestDesiredRBACClusterRoles(t *testing.T) {
	project := testProject(nil, member(user("bob"), "extension:foo"))
	getNamespace := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"namespaces"}, ResourceNames: []string{"garden-dev"}, Verbs: []string{"get"}}
	onProject := func(verbs ...string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{APIGroups: []string{"core.gardener.cloud"}, Resources: []string{"projects"}, ResourceNames: []string{"dev"}, Verbs: verbs}
	}
	tests := []struct {
		name      string
		role      string
		rules     []rbacv1.PolicyRule
		aggregate map[string]string
		labels    map[string]string
	}{
		{name: "owner", role: "gardener.cloud:system:project:dev", rules: []rbacv1.PolicyRule{getNamespace, onProject("get", "patch", "manage-members", "update", "delete")}},
		{name: "user access manager", role: "gardener.cloud:system:project-uam:dev", rules: []rbacv1.PolicyRule{onProject("get", "manage-members", "patch", "update")}},
		{name: "member", role: "gardener.cloud:system:project-member:dev", rules: []rbacv1.PolicyRule{getNamespace, onProject("get", "patch", "update", "delete")}},
		{name: "viewer", role: "gardener.cloud:system:project-viewer:dev", rules: []rbacv1.PolicyRule{getNamespace, onProject("get")}},
		{
			name:      "extension role",
			role:      "gardener.cloud:extension:project:dev:foo",
			aggregate: map[string]string{"rbac.gardener.cloud/aggregate-to-extension-role": "foo"},
			labels:    map[string]string{"gardener.cloud/role": "extension-project-role", "project.gardener.cloud/name": "dev"},
		},
	}
	rbac, err := DesiredRBAC(project)
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	NewWithT(t).Expect(rbac.ClusterRoles).To(HaveLen(len(tests)))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			var role *rbacv1.ClusterRole
			for _, c := range rbac.ClusterRoles {
				if c.Name == tt.role {
					role = c
				}
			}
			g.Expect(role).NotTo(BeNil())
			g.Expect(role.Rules).To(Equal(tt.rules))
			g.Expect(role.Labels).To(Equal(tt.labels))
			if tt.aggregate == nil {
				g.Expect(role.AggregationRule).To(BeNil())
			} else {
				g.Expect(role.AggregationRule.ClusterRoleSelectors).To(Equal([]metav1.LabelSelector{{MatchLabels: tt.aggregate}}))
			}
		})
	}
}

func TestDesiredRBACNeedsNamespace(t *testing.T) {
	project := testProject(nil)
	project.Spec.Namespace = nil
	_, err := DesiredRBAC(project)
	NewWithT(t).Expect(err).To(HaveOccurred())
}

func TestAggregateRules(t *testing.T) {
	ruleA := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get"}}
	ruleB := rbacv1.PolicyRule{APIGroups: []string{"core.gardener.cloud"}, Resources: []string{"shoots"}, Verbs: []string{"list"}}
	ruleC := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}}
	role := func(name string, lbls map[string]string, rules ...rbacv1.PolicyRule) rbacv1.ClusterRole {
		return rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: lbls}, Rules: rules}
	}
	sel := func(k, v string) metav1.LabelSelector {
		return metav1.LabelSelector{MatchLabels: map[string]string{k: v}}
	}
	aggregated := func(selectors ...metav1.LabelSelector) *rbacv1.ClusterRole {
		return &rbacv1.ClusterRole{
			ObjectMeta:      metav1.ObjectMeta{Name: "agg", Labels: map[string]string{"a": "true"}},
			AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: selectors},
			Rules:           []rbacv1.PolicyRule{ruleC},
		}
	}
	tests := []struct {
		name string
		role *rbacv1.ClusterRole
		all  []rbacv1.ClusterRole
		want []rbacv1.PolicyRule
	}{
		{
			name: "no aggregation rule keeps the rules",
			role: &rbacv1.ClusterRole{Rules: []rbacv1.PolicyRule{ruleA}},
			want: []rbacv1.PolicyRule{ruleA},
		},
		{
			name: "nothing selected is no rules, not the old ones",
			role: aggregated(sel("a", "true")),
			all:  []rbacv1.ClusterRole{role("other", map[string]string{"b": "true"}, ruleA)},
			want: []rbacv1.PolicyRule{},
		},
		{
			name: "selected roles by name, without repeats, not the role itself",
			role: aggregated(sel("a", "true")),
			all: []rbacv1.ClusterRole{
				role("z", map[string]string{"a": "true"}, ruleB, ruleA),
				role("agg", map[string]string{"a": "true"}, ruleC),
				role("m", map[string]string{"a": "true"}, ruleA),
				role("x", map[string]string{"a": "false"}, ruleC),
			},
			want: []rbacv1.PolicyRule{ruleA, ruleB},
		},
		{
			name: "selector by selector",
			role: aggregated(sel("b", "true"), sel("a", "true")),
			all: []rbacv1.ClusterRole{
				role("1", map[string]string{"a": "true"}, ruleA),
				role("2", map[string]string{"b": "true"}, ruleB),
			},
			want: []rbacv1.PolicyRule{ruleB, ruleA},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			got, err := AggregateRules(tt.role, tt.all)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tt.want))
		})
	}
}

func TestSharedClusterRoles(t *testing.T) {
	g := NewWithT(t)
	roles := SharedClusterRoles()
	byName := map[string]*rbacv1.ClusterRole{}
	for _, r := range roles {
		byName[r.Name] = r
	}
	g.Expect(byName).To(HaveLen(6))

	var all []rbacv1.ClusterRole
	for _, r := range roles {
		all = append(all, *r)
	}
	aggregated := func(name string) []rbacv1.PolicyRule {
		rules, err := AggregateRules(byName[name], all)
		g.Expect(err).NotTo(HaveOccurred())
		return rules
	}
	// allows reports whether one of rules allows verb on group/resource.
	allows := func(rules []rbacv1.PolicyRule, verb, group, resource string) bool {
		for _, r := range rules {
			if contains(r.APIGroups, group) && contains(r.Resources, resource) && contains(r.Verbs, verb) {
				return true
			}
		}
		return false
	}
	member := aggregated(ClusterRoleProjectMember)
	viewer := aggregated(ClusterRoleProjectViewer)
	saManager := aggregated(ClusterRoleProjectServiceAccountManager)

	for _, verb := range []string{"create", "get", "list", "watch", "update", "patch", "delete"} {
		g.Expect(allows(member, verb, "core.gardener.cloud", "shoots")).To(BeTrue(), "member may %s shoots", verb)
		g.Expect(allows(member, verb, "", "secrets")).To(BeTrue(), "member may %s secrets", verb)
		g.Expect(allows(member, verb, "security.gardener.cloud", "credentialsbindings")).To(BeTrue(), "member may %s credentialsbindings", verb)
		g.Expect(allows(saManager, verb, "", "serviceaccounts")).To(BeTrue(), "serviceaccountmanager may %s serviceaccounts", verb)
	}
	for _, verb := range []string{"get", "list", "watch"} {
		g.Expect(allows(viewer, verb, "core.gardener.cloud", "shoots")).To(BeTrue(), "viewer may %s shoots", verb)
	}
	for _, verb := range []string{"create", "update", "patch", "delete"} {
		g.Expect(allows(viewer, verb, "core.gardener.cloud", "shoots")).To(BeFalse(), "viewer may not %s shoots", verb)
	}
	g.Expect(allows(viewer, "get", "", "secrets")).To(BeFalse(), "viewer may not read secrets")
	g.Expect(allows(viewer, "list", "", "secrets")).To(BeFalse(), "viewer may not list secrets")
	g.Expect(allows(member, "create", "", "serviceaccounts")).To(BeFalse(), "member may not create serviceaccounts")
	g.Expect(allows(member, "create", "core.gardener.cloud", "shoots/adminkubeconfig")).To(BeTrue())
	g.Expect(allows(viewer, "create", "core.gardener.cloud", "shoots/adminkubeconfig")).To(BeFalse())
	g.Expect(allows(viewer, "create", "core.gardener.cloud", "shoots/viewerkubeconfig")).To(BeTrue())
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}
