package node

import (
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	bootstrapapi "k8s.io/cluster-bootstrap/token/api"
)

// The groups and ClusterRoles of node bootstrap, as the kube-apiserver and the
// kube-controller-manager's CSR approver know them.
const (
	// BootstrappersGroup is the group of every bootstrap token.
	BootstrappersGroup = bootstrapapi.BootstrapDefaultGroup
	// NodesGroup is the group of nodes' client certificates.
	NodesGroup = "system:nodes"

	nodeBootstrapperRole = "system:node-bootstrapper"
	nodeClientRole       = "system:certificates.k8s.io:certificatesigningrequests:nodeclient"
	selfNodeClientRole   = "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient"
)

// BootstrapTokenSecret builds the kube-system/bootstrap-token-<id> Secret (type
// bootstrap.kubernetes.io/token) that authenticates as system:bootstrap:<id> in group
// system:bootstrappers (+ the given extra groups), usable for authentication, expiring at
// expiration. A token is "<tokenID>.<tokenSecret>": tokenID has 6 and tokenSecret 16
// characters of [a-z0-9]. Extra groups must start with "system:bootstrappers:", or the
// kube-apiserver ignores the token.
func BootstrapTokenSecret(tokenID, tokenSecret string, expiration time.Time, extraGroups ...string) *corev1.Secret {
	data := map[string][]byte{
		bootstrapapi.BootstrapTokenIDKey:               []byte(tokenID),
		bootstrapapi.BootstrapTokenSecretKey:           []byte(tokenSecret),
		bootstrapapi.BootstrapTokenExpirationKey:       []byte(expiration.UTC().Format(time.RFC3339)),
		bootstrapapi.BootstrapTokenUsageAuthentication: []byte("true"),
		bootstrapapi.BootstrapTokenDescriptionKey:      []byte("Joins a Hortus simulated node to its cluster"),
	}
	if len(extraGroups) > 0 {
		data[bootstrapapi.BootstrapTokenExtraGroupsKey] = []byte(strings.Join(extraGroups, ","))
	}
	return &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      bootstrapapi.BootstrapTokenSecretPrefix + tokenID,
			Namespace: metav1.NamespaceSystem,
		},
		Type: bootstrapapi.SecretTypeBootstrapToken,
		Data: data,
	}
}

// BootstrapRBAC returns the ClusterRoleBindings a cluster needs so nodes can join with
// bootstrap tokens: system:bootstrappers may create CSRs (ClusterRole
// system:node-bootstrapper) and get their kubelet client CSRs auto-approved by the
// kube-controller-manager (system:certificates.k8s.io:certificatesigningrequests:nodeclient);
// nodes may renew their client certificates (…:selfnodeclient for group system:nodes). The
// ClusterRoles themselves are the kube-apiserver's bootstrap policy.
func BootstrapRBAC() []*rbacv1.ClusterRoleBinding {
	binding := func(name, role, group string) *rbacv1.ClusterRoleBinding {
		return &rbacv1.ClusterRoleBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRoleBinding"},
			ObjectMeta: metav1.ObjectMeta{Name: name},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: group}},
		}
	}
	return []*rbacv1.ClusterRoleBinding{
		binding("hortus:node-bootstrapper", nodeBootstrapperRole, BootstrappersGroup),
		binding("hortus:node-autoapprove-bootstrap", nodeClientRole, BootstrappersGroup),
		binding("hortus:node-autoapprove-certificate-rotation", selfNodeClientRole, NodesGroup),
	}
}
