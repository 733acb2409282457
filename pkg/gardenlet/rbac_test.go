package gardenlet

import (
	"slices"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

func TestGardenRBAC(t *testing.T) {
	g := NewWithT(t)
	objects := GardenRBAC("local")

	g.Expect(objects[0]).To(BeAssignableToTypeOf(&corev1.Namespace{}), "the namespace comes first, before the Role in it")
	g.Expect(objects[0].GetName()).To(Equal("gardener-system-seed-lease"))

	var (
		clusterRoles = map[string]*rbacv1.ClusterRole{}
		bindings     = map[string]*rbacv1.ClusterRoleBinding{}
		role         *rbacv1.Role
		roleBinding  *rbacv1.RoleBinding
	)
	for _, o := range objects {
		switch o := o.(type) {
		case *rbacv1.ClusterRole:
			clusterRoles[o.Name] = o
		case *rbacv1.ClusterRoleBinding:
			bindings[o.Name] = o
		case *rbacv1.Role:
			role = o
		case *rbacv1.RoleBinding:
			roleBinding = o
		}
	}

	shared, own := clusterRoles["gardener.cloud:system:seeds"], clusterRoles["gardener.cloud:system:seed:local"]
	g.Expect(shared).NotTo(BeNil())
	g.Expect(own).NotTo(BeNil())
	g.Expect(bindings["gardener.cloud:system:seeds"].Subjects).To(ConsistOf(rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: Group}))
	g.Expect(bindings["gardener.cloud:system:seed:local"].Subjects).To(ConsistOf(rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "gardener.cloud:system:seed:local"}))

	for _, rule := range shared.Rules {
		for _, res := range rule.Resources {
			if res == "seeds" || res == "seeds/status" {
				g.Expect(rule.Verbs).NotTo(ContainElements("update", "patch"), "only the seed's own role may write seeds")
			}
		}
	}
	g.Expect(own.Rules).To(ConsistOf(HaveField("ResourceNames", []string{"local"})))

	// The backupbucket and backupentry controllers and the shoot flow's BackupEntries.
	for _, want := range []struct{ resource, verb string }{
		{"backupbuckets", "watch"}, {"backupbuckets", "patch"}, {"backupbuckets/status", "patch"}, {"backupbuckets/finalizers", "update"},
		{"backupentries", "watch"}, {"backupentries", "create"}, {"backupentries", "delete"}, {"backupentries/status", "patch"}, {"backupentries/finalizers", "update"},
	} {
		g.Expect(allows(shared.Rules, want.resource, want.verb)).To(BeTrue(), "%s %s", want.verb, want.resource)
	}
	g.Expect(allows(shared.Rules, "backupbuckets", "delete")).To(BeFalse(), "the garden deletes buckets with their Seed")

	g.Expect(role.Namespace).To(Equal("gardener-system-seed-lease"))
	g.Expect(roleBinding.RoleRef.Name).To(Equal(role.Name))
	for _, rule := range role.Rules {
		if len(rule.ResourceNames) == 0 {
			g.Expect(rule.Verbs).To(Equal([]string{"create"}), "without a name, leases may only be created")
		}
	}
}

// allows tells whether rules grant verb on resource of core.gardener.cloud.
func allows(rules []rbacv1.PolicyRule, resource, verb string) bool {
	for _, rule := range rules {
		if !slices.Contains(rule.APIGroups, "core.gardener.cloud") {
			continue
		}
		if slices.Contains(rule.Resources, resource) && slices.Contains(rule.Verbs, verb) {
			return true
		}
	}
	return false
}
