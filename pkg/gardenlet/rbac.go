package gardenlet

import (
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The identity of a gardenlet in the garden, as in Gardener: the user
// gardener.cloud:system:seed:<seed> in the group gardener.cloud:system:seeds, for example
// the common name and organisation of its client certificate.
const (
	// UserPrefix is the prefix of the user name; the seed's name follows it.
	UserPrefix = "gardener.cloud:system:seed:"
	// Group is the group of every gardenlet.
	Group = "gardener.cloud:system:seeds"
)

// Names of the RBAC objects of GardenRBAC.
const (
	// SharedRoleName names the ClusterRole and ClusterRoleBinding that every gardenlet has,
	// through Group.
	SharedRoleName = "gardener.cloud:system:seeds"
	// LeaseRoleName names the Role and RoleBinding in the lease namespace.
	LeaseRoleName = "gardener.cloud:system:seed-lease:"
)

// SeedRoleName is the name of the ClusterRole and ClusterRoleBinding that only the
// gardenlet of seedName has.
func SeedRoleName(seedName string) string { return UserPrefix + seedName }

const (
	groupCore        = gardencorev1beta1.GroupName
	groupCoordinated = coordinationv1.GroupName
	groupEvents      = "events.k8s.io"
)

var (
	read      = []string{"get", "list", "watch"}
	readWrite = []string{"get", "list", "watch", "create", "update", "patch", "delete"}
)

// GardenRBAC returns the objects that give the gardenlet of seedName its rights in the
// garden, to be created with admin credentials before it starts:
//
//   - the Namespace gardener-system-seed-lease, which holds the gardenlets' Leases (Gardener's
//     API server creates it; RBAC cannot let a gardenlet create just this one namespace);
//   - the ClusterRole and ClusterRoleBinding SharedRoleName for Group, shared by all
//     gardenlets: read and create Seeds; read Shoots and write their status and finalizers;
//     record Events; read the garden's CloudProfiles, Projects, controller objects, backup
//     objects, bindings and InternalSecrets; create and update BackupBuckets and write
//     their status and finalizers; create, update and delete BackupEntries (one per shoot)
//     and write their status and finalizers; read Namespaces; and read and write
//     ConfigMaps, Secrets and InternalSecrets (where a shoot's ca-cluster and ca-client,
//     and the copies of the buckets' generated Secrets, are kept);
//   - the ClusterRole and ClusterRoleBinding SeedRoleName(seedName) for the user
//     UserPrefix+seedName: update and patch its own Seed and its status, and nothing else;
//   - the Role and RoleBinding LeaseRoleName+seedName in the lease namespace: create Leases,
//     and read, update and patch its own.
//
// Gardener confines a gardenlet to the objects of its own seed with an authorizer (the
// SeedAuthorizer) that follows the references from Shoots to what they use. RBAC cannot:
// the shared rights reach every Shoot, and every ConfigMap and Secret of the garden, for
// the ca-cluster ConfigMaps and the Secrets of the shoots' project namespaces, which no
// namespaced Role can name in advance. A BackupBucket is named after its Seed's UID, which
// is unknown before the Seed exists, and a BackupEntry after its shoot's UID, so the backup
// rights are not per seed either. Only the Seed, its status and the Lease are the seed's
// alone.
func GardenRBAC(seedName string) []client.Object {
	user := UserPrefix + seedName
	leaseNamespace := gardencorev1beta1.GardenerSeedLeaseNamespace
	return []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: leaseNamespace}},
		&rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: SharedRoleName},
			Rules: []rbacv1.PolicyRule{
				{APIGroups: []string{groupCore}, Resources: []string{"seeds"}, Verbs: []string{"get", "list", "watch", "create"}},
				// patch and update: the finalizer "gardener" and the operation annotation.
				{APIGroups: []string{groupCore}, Resources: []string{"shoots"}, Verbs: append([]string{"patch", "update"}, read...)},
				{APIGroups: []string{groupCore}, Resources: []string{"shoots/status", "shoots/finalizers"}, Verbs: []string{"update", "patch"}},
				{APIGroups: []string{groupCore}, Resources: []string{
					"cloudprofiles", "namespacedcloudprofiles", "projects", "secretbindings",
					"controllerregistrations", "controllerdeployments", "controllerinstallations",
					"backupbuckets", "backupentries", "exposureclasses",
				}, Verbs: read},
				{APIGroups: []string{groupCore}, Resources: []string{"backupbuckets"}, Verbs: []string{"create", "update", "patch"}},
				// The backupentry controller's finalizer, and the shoot flow's BackupEntries.
				{APIGroups: []string{groupCore}, Resources: []string{"backupentries"}, Verbs: []string{"create", "update", "patch", "delete"}},
				// The backupbucket and backupentry controllers report the extensions' outcome
				// and keep their finalizer "gardener".
				{APIGroups: []string{groupCore}, Resources: []string{
					"backupbuckets/status", "backupbuckets/finalizers", "backupentries/status", "backupentries/finalizers",
				}, Verbs: []string{"update", "patch"}},
				// Gardener's SeedAuthorizer confines this to the seed's own installations;
				// RBAC cannot, since their names are not known in advance.
				{APIGroups: []string{groupCore}, Resources: []string{"controllerinstallations/status"}, Verbs: []string{"update", "patch"}},
				// The finalizer core.gardener.cloud/controllerinstallation.
				{APIGroups: []string{groupCore}, Resources: []string{"controllerinstallations"}, Verbs: []string{"update", "patch"}},
				{APIGroups: []string{groupCore}, Resources: []string{"internalsecrets"}, Verbs: readWrite},
				{APIGroups: []string{"security.gardener.cloud"}, Resources: []string{"credentialsbindings"}, Verbs: read},
				{APIGroups: []string{""}, Resources: []string{"configmaps", "secrets"}, Verbs: []string{"get", "create", "update", "patch", "delete"}},
				{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get"}},
				{APIGroups: []string{"", groupEvents}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}},
			},
		},
		&rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: SharedRoleName},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: SharedRoleName},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: Group}},
		},
		&rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: SeedRoleName(seedName)},
			Rules: []rbacv1.PolicyRule{
				{APIGroups: []string{groupCore}, Resources: []string{"seeds", "seeds/status"}, ResourceNames: []string{seedName}, Verbs: []string{"update", "patch"}},
			},
		},
		&rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: SeedRoleName(seedName)},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: SeedRoleName(seedName)},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
		},
		&rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Name: LeaseRoleName + seedName, Namespace: leaseNamespace},
			Rules: []rbacv1.PolicyRule{
				{APIGroups: []string{groupCoordinated}, Resources: []string{"leases"}, Verbs: []string{"create"}},
				// list and watch with the field selector metadata.name=<seed>, as the cache does.
				{APIGroups: []string{groupCoordinated}, Resources: []string{"leases"}, ResourceNames: []string{seedName}, Verbs: []string{"get", "list", "watch", "update", "patch"}},
			},
		},
		&rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: LeaseRoleName + seedName, Namespace: leaseNamespace},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: LeaseRoleName + seedName},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
		},
	}
}
