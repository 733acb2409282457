package project

import (
	"errors"
	"slices"
	"sort"
	"strings"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"
)

// The shared ClusterRoles that a RoleBinding of the same name binds in every project
// namespace. Each aggregates the ClusterRoles labelled with its aggregation label; the
// controller ensures them, and the "-aggregation" ClusterRoles with Gardener's rules, and
// fills in the aggregated rules itself (see AggregateRules).
const (
	ClusterRoleProjectMember                = "gardener.cloud:system:project-member"
	ClusterRoleProjectViewer                = "gardener.cloud:system:project-viewer"
	ClusterRoleProjectServiceAccountManager = "gardener.cloud:system:project-serviceaccountmanager"
)

// Name prefixes of the RBAC objects for one project; the project name (and for extension
// roles ":<role>") follows.
const (
	prefixProjectAdmin     = "gardener.cloud:system:project:"
	prefixProjectMember    = "gardener.cloud:system:project-member:"
	prefixProjectUAM       = "gardener.cloud:system:project-uam:"
	prefixProjectViewer    = "gardener.cloud:system:project-viewer:"
	prefixProjectExtension = "gardener.cloud:extension:project:"
)

// Labels that select the ClusterRoles a shared or extension ClusterRole aggregates.
const (
	labelAggregateToProjectMember                = "rbac.gardener.cloud/aggregate-to-project-member"
	labelAggregateToProjectViewer                = "rbac.gardener.cloud/aggregate-to-project-viewer"
	labelAggregateToProjectServiceAccountManager = "rbac.gardener.cloud/aggregate-to-project-serviceaccountmanager"
	labelAggregateToExtensionRole                = "rbac.gardener.cloud/aggregate-to-extension-role"
	// labelAggregatePrefix starts every aggregation label above.
	labelAggregatePrefix = "rbac.gardener.cloud/aggregate-to-"
)

// RBAC is the RBAC of one Project: cluster-wide rights on the Project object itself, and
// RoleBindings of the shared (or extension) ClusterRoles in the project namespace.
type RBAC struct {
	ClusterRoles        []*rbacv1.ClusterRole
	ClusterRoleBindings []*rbacv1.ClusterRoleBinding
	RoleBindings        []*rbacv1.RoleBinding
}

// members are the subjects of a Project sorted by what they get.
type members struct {
	// admins may change and delete the Project and manage its members: the owner.
	admins []rbacv1.Subject
	// members have the project-member rights in the namespace: roles admin and owner.
	members []rbacv1.Subject
	// uams may manage the Project's members: role uam.
	uams []rbacv1.Subject
	// viewers have the project-viewer rights in the namespace: role viewer.
	viewers []rbacv1.Subject
	// serviceAccountManagers manage ServiceAccounts in the namespace: the owner and roles
	// owner and serviceaccountmanager.
	serviceAccountManagers []rbacv1.Subject
	// extensions maps the <name> of each role extension:<name> to its subjects.
	extensions map[string][]rbacv1.Subject
}

// projectMembers sorts the owner and members of project by role, as Gardener does. The
// owner counts as a member with roles admin and owner unless it is listed as a member:
// Gardener's ProjectMutator admission plugin adds it so.
func projectMembers(project *gardencorev1beta1.Project) members {
	m := members{extensions: map[string][]rbacv1.Subject{}}
	list := project.Spec.Members
	if owner := project.Spec.Owner; owner != nil {
		m.admins = append(m.admins, *owner)
		m.serviceAccountManagers = append(m.serviceAccountManagers, *owner)
		if !slices.ContainsFunc(list, func(member gardencorev1beta1.ProjectMember) bool { return member.Subject == *owner }) {
			list = append(slices.Clone(list), gardencorev1beta1.ProjectMember{
				Subject: *owner,
				Roles:   []string{gardencorev1beta1.ProjectMemberAdmin, gardencorev1beta1.ProjectMemberOwner},
			})
		}
	}
	for _, member := range list {
		roles := member.Roles
		if member.Role != "" {
			roles = append([]string{member.Role}, roles...)
		}
		for _, role := range roles {
			switch role {
			case gardencorev1beta1.ProjectMemberAdmin:
				m.members = append(m.members, member.Subject)
			case gardencorev1beta1.ProjectMemberOwner:
				m.members = append(m.members, member.Subject)
				m.serviceAccountManagers = append(m.serviceAccountManagers, member.Subject)
			case gardencorev1beta1.ProjectMemberUserAccessManager:
				m.uams = append(m.uams, member.Subject)
			case gardencorev1beta1.ProjectMemberServiceAccountManager:
				m.serviceAccountManagers = append(m.serviceAccountManagers, member.Subject)
			case gardencorev1beta1.ProjectMemberViewer:
				m.viewers = append(m.viewers, member.Subject)
			default:
				if name, ok := strings.CutPrefix(role, gardencorev1beta1.ProjectMemberExtensionPrefix); ok && name != "" {
					m.extensions[name] = append(m.extensions[name], member.Subject)
				}
			}
		}
	}
	return m
}

// DesiredRBAC renders the RBAC of project, which must have spec.namespace set. Every
// object is controlled by the Project (without blocking its deletion); RoleBindings and
// ClusterRoleBindings are rendered even when they have no subjects. Extension roles are
// ClusterRoles with an aggregation rule and no rules: the caller fills them in.
func DesiredRBAC(project *gardencorev1beta1.Project) (RBAC, error) {
	if project.Spec.Namespace == nil || *project.Spec.Namespace == "" {
		return RBAC{}, errors.New("the project has no namespace yet")
	}
	var (
		namespace = *project.Spec.Namespace
		m         = projectMembers(project)
		ownerRefs = []metav1.OwnerReference{projectOwnerReference(project)}
		out       RBAC
	)
	getNamespace := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"namespaces"}, ResourceNames: []string{namespace}, Verbs: []string{"get"}}
	onProject := func(verbs ...string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{APIGroups: []string{gardencorev1beta1.GroupName}, Resources: []string{"projects"}, ResourceNames: []string{project.Name}, Verbs: verbs}
	}
	// clusterWide adds a ClusterRole with rules and a ClusterRoleBinding of it to subjects.
	clusterWide := func(name string, subjects []rbacv1.Subject, rules ...rbacv1.PolicyRule) {
		out.ClusterRoles = append(out.ClusterRoles, &rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: name, OwnerReferences: ownerRefs},
			Rules:      rules,
		})
		out.ClusterRoleBindings = append(out.ClusterRoleBindings, &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: name, OwnerReferences: ownerRefs},
			RoleRef:    clusterRoleRef(name),
			Subjects:   uniqueSubjects(subjects),
		})
	}
	// inNamespace adds a RoleBinding of the ClusterRole name to subjects.
	inNamespace := func(name string, lbls map[string]string, subjects []rbacv1.Subject) {
		out.RoleBindings = append(out.RoleBindings, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: lbls, OwnerReferences: ownerRefs},
			RoleRef:    clusterRoleRef(name),
			Subjects:   uniqueSubjects(subjects),
		})
	}

	clusterWide(prefixProjectAdmin+project.Name, m.admins, getNamespace, onProject("get", "patch", "manage-members", "update", "delete"))
	clusterWide(prefixProjectUAM+project.Name, m.uams, onProject("get", "manage-members", "patch", "update"))
	clusterWide(prefixProjectMember+project.Name, m.members, getNamespace, onProject("get", "patch", "update", "delete"))
	clusterWide(prefixProjectViewer+project.Name, m.viewers, getNamespace, onProject("get"))

	inNamespace(ClusterRoleProjectServiceAccountManager, nil, m.serviceAccountManagers)
	inNamespace(ClusterRoleProjectMember, nil, m.members)
	inNamespace(ClusterRoleProjectViewer, nil, m.viewers)

	names := make([]string, 0, len(m.extensions))
	for name := range m.extensions {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, role := range names {
		name := extensionRoleName(project.Name, role)
		lbls := extensionRoleLabels(project.Name)
		out.ClusterRoles = append(out.ClusterRoles, &rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: lbls, OwnerReferences: ownerRefs},
			AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
				{MatchLabels: map[string]string{labelAggregateToExtensionRole: role}},
			}},
		})
		inNamespace(name, extensionRoleLabels(project.Name), m.extensions[role])
	}
	return out, nil
}

// clusterScopedNames are the names of the ClusterRoles and ClusterRoleBindings of a
// project that DesiredRBAC renders whatever its members, i.e. all but extension roles.
func clusterScopedNames(projectName string) []string {
	return []string{
		prefixProjectAdmin + projectName,
		prefixProjectUAM + projectName,
		prefixProjectMember + projectName,
		prefixProjectViewer + projectName,
	}
}

func extensionRoleName(projectName, role string) string {
	return prefixProjectExtension + projectName + ":" + role
}

// extensionRoleLabels label a project's extension ClusterRoles and RoleBindings, so that
// stale ones can be found.
func extensionRoleLabels(projectName string) map[string]string {
	return map[string]string{
		v1beta1constants.GardenRole:  v1beta1constants.LabelExtensionProjectRole,
		v1beta1constants.ProjectName: projectName,
	}
}

func projectOwnerReference(project *gardencorev1beta1.Project) metav1.OwnerReference {
	ref := metav1.NewControllerRef(project, gardencorev1beta1.SchemeGroupVersion.WithKind("Project"))
	ref.BlockOwnerDeletion = ptr.To(false)
	return *ref
}

func clusterRoleRef(name string) rbacv1.RoleRef {
	return rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}
}

// uniqueSubjects drops repeated subjects and keeps the order of the first occurrences.
func uniqueSubjects(subjects []rbacv1.Subject) []rbacv1.Subject {
	var out []rbacv1.Subject
	seen := map[rbacv1.Subject]bool{}
	for _, s := range subjects {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// AggregateRules returns the rules of an aggregated ClusterRole: the rules of every
// ClusterRole in all that one of its selectors matches, without repeats, selector by
// selector and within a selector by ClusterRole name. It is the algorithm of the
// kube-controller-manager's clusterrole-aggregation controller, so the two agree when both
// run; the garden of Hortus may not run that controller at all.
func AggregateRules(role *rbacv1.ClusterRole, all []rbacv1.ClusterRole) ([]rbacv1.PolicyRule, error) {
	if role.AggregationRule == nil {
		return role.Rules, nil
	}
	sorted := slices.Clone(all)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	rules := []rbacv1.PolicyRule{}
	for i := range role.AggregationRule.ClusterRoleSelectors {
		selector, err := metav1.LabelSelectorAsSelector(&role.AggregationRule.ClusterRoleSelectors[i])
		if err != nil {
			return nil, err
		}
		for _, other := range sorted {
			if other.Name == role.Name || !selector.Matches(labels.Set(other.Labels)) {
				continue
			}
			for _, rule := range other.Rules {
				if !slices.ContainsFunc(rules, func(r rbacv1.PolicyRule) bool { return equality.Semantic.DeepEqual(r, rule) }) {
					rules = append(rules, rule)
				}
			}
		}
	}
	return rules, nil
}

// SharedClusterRoles are the ClusterRoles that the RoleBindings in every project namespace
// refer to: for each of project-member, project-viewer and project-serviceaccountmanager
// an aggregated ClusterRole and a "-aggregation" ClusterRole with Gardener's rules for
// that role (from Gardener's control plane chart). The aggregated ones have no rules here;
// AggregateRules fills them in.
func SharedClusterRoles() []*rbacv1.ClusterRole {
	all := []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
	read := []string{"get", "list", "watch"}
	rule := func(group string, resources []string, verbs ...string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{APIGroups: []string{group}, Resources: resources, Verbs: verbs}
	}
	var out []*rbacv1.ClusterRole
	add := func(name, role, aggregationLabel string, rules []rbacv1.PolicyRule) {
		out = append(out,
			&rbacv1.ClusterRole{
				ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{v1beta1constants.GardenRole: role}},
				AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
					{MatchLabels: map[string]string{aggregationLabel: "true"}},
				}},
			},
			&rbacv1.ClusterRole{
				ObjectMeta: metav1.ObjectMeta{Name: name + "-aggregation", Labels: map[string]string{aggregationLabel: "true"}},
				Rules:      rules,
			},
		)
	}
	add(ClusterRoleProjectMember, "project-member", labelAggregateToProjectMember, []rbacv1.PolicyRule{
		rule("", []string{"secrets", "configmaps"}, all...),
		rule("", []string{"events", "resourcequotas", "serviceaccounts"}, read...),
		rule("events.k8s.io", []string{"events"}, read...),
		rule("core.gardener.cloud", []string{"shoots", "secretbindings", "quotas"}, all...),
		rule("security.gardener.cloud", []string{"credentialsbindings", "workloadidentities"}, all...),
		rule("settings.gardener.cloud", []string{"openidconnectpresets"}, all...),
		rule("operations.gardener.cloud", []string{"bastions"}, all...),
		rule("rbac.authorization.k8s.io", []string{"roles", "rolebindings"}, all...),
		rule("core.gardener.cloud", []string{"shoots/adminkubeconfig", "shoots/viewerkubeconfig"}, "create"),
		rule("core.gardener.cloud", []string{"shoots/finalizers"}, "update"),
		rule("core.gardener.cloud", []string{"namespacedcloudprofiles"}, "get", "list", "watch", "create", "patch", "update", "delete"),
	})
	add(ClusterRoleProjectServiceAccountManager, "project-serviceaccountmanager", labelAggregateToProjectServiceAccountManager, []rbacv1.PolicyRule{
		rule("", []string{"serviceaccounts"}, all...),
		rule("", []string{"serviceaccounts/token"}, "create"),
	})
	add(ClusterRoleProjectViewer, "project-viewer", labelAggregateToProjectViewer, []rbacv1.PolicyRule{
		rule("", []string{"events", "configmaps", "resourcequotas", "serviceaccounts"}, read...),
		rule("events.k8s.io", []string{"events"}, read...),
		rule("core.gardener.cloud", []string{"shoots", "secretbindings", "quotas", "namespacedcloudprofiles"}, read...),
		rule("security.gardener.cloud", []string{"credentialsbindings"}, read...),
		rule("settings.gardener.cloud", []string{"openidconnectpresets"}, read...),
		rule("operations.gardener.cloud", []string{"bastions"}, read...),
		rule("rbac.authorization.k8s.io", []string{"roles", "rolebindings"}, read...),
		rule("core.gardener.cloud", []string{"shoots/viewerkubeconfig"}, "create"),
	})
	return out
}

// hasAggregationLabel reports whether a ClusterRole with these labels may be part of an
// aggregated ClusterRole of this controller.
func hasAggregationLabel(lbls map[string]string) bool {
	for k := range lbls {
		if strings.HasPrefix(k, labelAggregatePrefix) {
			return true
		}
	}
	return false
}
