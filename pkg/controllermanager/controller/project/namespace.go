package project

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"strconv"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// projectNamespacePrefix starts the name of every namespace the controller makes up.
const projectNamespacePrefix = "garden-"

// DefaultNamespaceName is the namespace of a Project without spec.namespace, as Gardener
// names it: garden-<project>-<the first five hex digits of the SHA-256 of its UID>. The
// name is stable for one Project, so a reconciliation that fails before it writes the
// name to spec.namespace finds the namespace again; and a Project re-created with the same
// name gets another namespace than its predecessor, which may still be terminating.
func DefaultNamespaceName(project *gardencorev1beta1.Project) string {
	sum := sha256.Sum256([]byte(project.UID))
	return projectNamespacePrefix + project.Name + "-" + hex.EncodeToString(sum[:])[:5]
}

// namespaceName is the project namespace: spec.namespace or, until that is set, the default.
func namespaceName(project *gardencorev1beta1.Project) string {
	if project.Spec.Namespace != nil && *project.Spec.Namespace != "" {
		return *project.Spec.Namespace
	}
	return DefaultNamespaceName(project)
}

// namespaceLabels mark a namespace as the namespace of project.
func namespaceLabels(project *gardencorev1beta1.Project) map[string]string {
	return map[string]string{
		v1beta1constants.GardenRole:  v1beta1constants.GardenRoleProject,
		v1beta1constants.ProjectName: project.Name,
	}
}

// namespaceAnnotations tie a namespace to this instance of project, by its UID.
func namespaceAnnotations(project *gardencorev1beta1.Project) map[string]string {
	return map[string]string{v1beta1constants.NamespaceProject: string(project.UID)}
}

// newNamespace is the namespace the controller creates for project: labelled and
// annotated as project namespace, marked as created by the controller, and controlled by
// the Project.
func newNamespace(project *gardencorev1beta1.Project, name string) *corev1.Namespace {
	annotations := namespaceAnnotations(project)
	annotations[v1beta1constants.NamespaceCreatedByProjectController] = "true"
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:            name,
		Labels:          namespaceLabels(project),
		Annotations:     annotations,
		OwnerReferences: []metav1.OwnerReference{namespaceOwnerReference(project)},
	}}
}

func namespaceOwnerReference(project *gardencorev1beta1.Project) metav1.OwnerReference {
	return *metav1.NewControllerRef(project, gardencorev1beta1.SchemeGroupVersion.WithKind("Project"))
}

// adoptNamespace checks that the existing namespace ns may serve project and adds to it
// what project needs, in place; it reports whether ns changed. As in Gardener, a
// namespace the controller did not create must already carry the project labels
// (gardener.cloud/role=project, project.gardener.cloud/name=<project>): an operator's
// consent that the project may use it. Adopting one marks it to be kept when the project
// goes. A namespace that belongs to another project (by label or by the project UID
// annotation) or that is terminating is refused.
func adoptNamespace(project *gardencorev1beta1.Project, ns *corev1.Namespace) (bool, error) {
	if ns.DeletionTimestamp != nil {
		return false, fmt.Errorf("namespace %q is being deleted", ns.Name)
	}
	if owner, ok := ns.Labels[v1beta1constants.ProjectName]; ok && owner != project.Name {
		return false, fmt.Errorf("namespace %q belongs to project %q (label %s)", ns.Name, owner, v1beta1constants.ProjectName)
	}
	if !equality.Semantic.DeepDerivative(namespaceLabels(project), ns.Labels) {
		return false, fmt.Errorf("namespace %q cannot be adopted: it needs the labels %s=%s and %s=%s",
			ns.Name, v1beta1constants.GardenRole, v1beta1constants.GardenRoleProject, v1beta1constants.ProjectName, project.Name)
	}
	if uid, ok := ns.Annotations[v1beta1constants.NamespaceProject]; ok && uid != string(project.UID) {
		return false, fmt.Errorf("namespace %q is in use by another project named %q (UID %s)", ns.Name, project.Name, uid)
	}

	before := ns.DeepCopy()
	if ns.Annotations == nil {
		ns.Annotations = map[string]string{}
	}
	maps.Copy(ns.Annotations, namespaceAnnotations(project))
	if _, created := ns.Annotations[v1beta1constants.NamespaceCreatedByProjectController]; !created {
		ns.Annotations[v1beta1constants.NamespaceKeepAfterProjectDeletion] = "true"
	}
	ns.OwnerReferences = mergeOwnerReference(ns.OwnerReferences, namespaceOwnerReference(project))
	return !equality.Semantic.DeepEqual(before, ns), nil
}

// mergeOwnerReference replaces the reference with ref's UID in refs, or adds ref. When
// another owner controls the object already, ref is added as a plain owner.
func mergeOwnerReference(refs []metav1.OwnerReference, ref metav1.OwnerReference) []metav1.OwnerReference {
	out := make([]metav1.OwnerReference, 0, len(refs)+1)
	for _, r := range refs {
		if r.UID == ref.UID {
			continue
		}
		if r.Controller != nil && *r.Controller {
			ref.Controller = nil
		}
		out = append(out, r)
	}
	return append(out, ref)
}

// releaseAction is what becomes of a project namespace when its Project goes.
type releaseAction int

const (
	// releaseNothing: the namespace is gone, already terminating, or not the project's.
	releaseNothing releaseAction = iota
	// releaseKeep: the namespace stays without the project's marks (see stripNamespace).
	releaseKeep
	// releaseDelete: the namespace is deleted, and its content with it.
	releaseDelete
)

// namespaceRelease decides what becomes of ns (nil when it does not exist) when project
// goes. Only a namespace that carries the project labels, and no other project's UID, is
// touched; one annotated namespace.gardener.cloud/keep-after-project-deletion=true (set
// when the project adopted it) is kept.
func namespaceRelease(project *gardencorev1beta1.Project, ns *corev1.Namespace) releaseAction {
	if ns == nil || ns.DeletionTimestamp != nil {
		return releaseNothing
	}
	if !equality.Semantic.DeepDerivative(namespaceLabels(project), ns.Labels) {
		return releaseNothing
	}
	if uid, ok := ns.Annotations[v1beta1constants.NamespaceProject]; ok && uid != string(project.UID) {
		return releaseNothing
	}
	if keep, _ := strconv.ParseBool(ns.Annotations[v1beta1constants.NamespaceKeepAfterProjectDeletion]); keep {
		return releaseKeep
	}
	return releaseDelete
}

// stripNamespace removes from ns, in place, the labels, annotations and owner reference
// that made it the namespace of project.
func stripNamespace(project *gardencorev1beta1.Project, ns *corev1.Namespace) {
	for _, k := range []string{
		v1beta1constants.NamespaceProject,
		v1beta1constants.NamespaceKeepAfterProjectDeletion,
		v1beta1constants.NamespaceCreatedByProjectController,
	} {
		delete(ns.Annotations, k)
	}
	delete(ns.Labels, v1beta1constants.ProjectName)
	delete(ns.Labels, v1beta1constants.GardenRole)
	refs := ns.OwnerReferences[:0]
	for _, r := range ns.OwnerReferences {
		if r.UID != project.UID || r.Kind != "Project" {
			refs = append(refs, r)
		}
	}
	ns.OwnerReferences = refs
}
