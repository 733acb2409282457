package validation

import (
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authentication/serviceaccount"

	"github.com/gardener/gardener/pkg/apis/core"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
)

const (
	// maxProjectNameLength is Gardener's limit: the project name is part of every shoot's technical ID.
	maxProjectNameLength = 10
	// projectNamespacePrefix starts every project namespace but the garden namespace.
	projectNamespacePrefix = "garden-"
	// maxExtensionRoleNameLength is Gardener's limit on the <name> of an "extension:<name>" role, which becomes
	// part of a ClusterRole name.
	maxExtensionRoleNameLength = 20
)

var availableProjectRoles = sets.New(
	core.ProjectMemberOwner,
	core.ProjectMemberAdmin,
	core.ProjectMemberViewer,
	core.ProjectMemberUserAccessManager,
	core.ProjectMemberServiceAccountManager,
)

// ValidateProject validates a Project on creation, and is part of ValidateProjectUpdate.
func ValidateProject(project *core.Project) field.ErrorList {
	namePath := metadataPath.Child("name")

	allErrs := apivalidation.ValidateObjectMeta(&project.ObjectMeta, false, apivalidation.NameIsDNSLabel, metadataPath)
	if len(project.Name) > maxProjectNameLength {
		allErrs = append(allErrs, field.TooLong(namePath, project.Name, maxProjectNameLength))
	}
	allErrs = append(allErrs, validateNoConsecutiveHyphens(project.Name, namePath)...)
	allErrs = append(allErrs, validateProjectSpec(&project.Spec, field.NewPath("spec"))...)
	return allErrs
}

// ValidateProjectUpdate validates an update of a Project: the new Project as in ValidateProject, the ObjectMeta
// update rules, a namespace and creator that stay once set, and an owner that is never removed.
func ValidateProjectUpdate(newProject, oldProject *core.Project) field.ErrorList {
	specPath := field.NewPath("spec")

	allErrs := apivalidation.ValidateObjectMetaUpdate(&newProject.ObjectMeta, &oldProject.ObjectMeta, metadataPath)
	allErrs = append(allErrs, immutableOnceSet(newProject.Spec.Namespace, oldProject.Spec.Namespace, specPath.Child("namespace"))...)
	if oldProject.Spec.CreatedBy != nil {
		allErrs = append(allErrs, apivalidation.ValidateImmutableField(newProject.Spec.CreatedBy, oldProject.Spec.CreatedBy, specPath.Child("createdBy"))...)
	}
	if oldProject.Spec.Owner != nil && newProject.Spec.Owner == nil {
		allErrs = append(allErrs, field.Forbidden(specPath.Child("owner"), "must not be removed once set"))
	}
	allErrs = append(allErrs, ValidateProject(newProject)...)
	return allErrs
}

func validateProjectSpec(spec *core.ProjectSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList

	if namespace := spec.Namespace; namespace != nil {
		namespacePath := fldPath.Child("namespace")
		if *namespace != v1beta1constants.GardenNamespace && !strings.HasPrefix(*namespace, projectNamespacePrefix) {
			allErrs = append(allErrs, field.Invalid(namespacePath, *namespace, fmt.Sprintf("must start with %q", projectNamespacePrefix)))
		}
		allErrs = append(allErrs, validateNamespaceName(*namespace, namespacePath)...)
	}

	if spec.Owner != nil {
		allErrs = append(allErrs, validateSubject(*spec.Owner, fldPath.Child("owner"))...)
	}
	if spec.CreatedBy != nil {
		allErrs = append(allErrs, validateSubject(*spec.CreatedBy, fldPath.Child("createdBy"))...)
	}
	if spec.Description != nil && *spec.Description == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("description"), "must not be empty when set"))
	}
	if spec.Purpose != nil && *spec.Purpose == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("purpose"), "must not be empty when set"))
	}

	allErrs = append(allErrs, validateProjectMembers(spec.Members, fldPath.Child("members"))...)

	if tolerations := spec.Tolerations; tolerations != nil {
		allErrs = append(allErrs, validateTolerations(tolerations.Defaults, fldPath.Child("tolerations", "defaults"))...)
		allErrs = append(allErrs, validateTolerations(tolerations.Whitelist, fldPath.Child("tolerations", "whitelist"))...)
	}

	return allErrs
}

// validateProjectMembers checks each member's subject and roles. A member appears once: a User named
// "system:serviceaccount:<namespace>:<name>" is the same member as that ServiceAccount. At most one member owns
// the project.
func validateProjectMembers(members []core.ProjectMember, fldPath *field.Path) field.ErrorList {
	var (
		allErrs    field.ErrorList
		seen       = sets.New[string]()
		ownerFound bool
	)

	for i, member := range members {
		idxPath := fldPath.Index(i)

		allErrs = append(allErrs, validateSubject(member.Subject, idxPath)...)

		id := memberID(member.Subject)
		if seen.Has(id) {
			allErrs = append(allErrs, field.Duplicate(idxPath, id))
		}
		seen.Insert(id)

		roles := sets.New[string]()
		for j, role := range member.Roles {
			rolePath := idxPath.Child("roles").Index(j)
			allErrs = append(allErrs, validateProjectRole(role, rolePath)...)
			if roles.Has(role) {
				allErrs = append(allErrs, field.Duplicate(rolePath, role))
			}
			roles.Insert(role)

			if role == core.ProjectMemberOwner {
				if ownerFound {
					allErrs = append(allErrs, field.Forbidden(rolePath, "only one member may have the owner role"))
				}
				ownerFound = true
			}
		}
	}

	return allErrs
}

// memberID identifies a member independent of how its subject is spelled.
func memberID(subject rbacv1.Subject) string {
	if subject.Kind == rbacv1.UserKind {
		if namespace, name, err := serviceaccount.SplitUsername(subject.Name); err == nil {
			subject = rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: namespace, Name: name}
		}
	}
	return fmt.Sprintf("%s/%s/%s/%s", subject.APIGroup, subject.Kind, subject.Namespace, subject.Name)
}

func validateProjectRole(role string, fldPath *field.Path) field.ErrorList {
	if availableProjectRoles.Has(role) {
		return nil
	}
	extensionRole, ok := strings.CutPrefix(role, core.ProjectMemberExtensionPrefix)
	if !ok {
		return field.ErrorList{field.NotSupported(fldPath, role, append(sets.List(availableProjectRoles), core.ProjectMemberExtensionPrefix+"<name>"))}
	}

	var allErrs field.ErrorList
	if extensionRole == "" {
		allErrs = append(allErrs, field.Invalid(fldPath, role, "must name the extension role after "+core.ProjectMemberExtensionPrefix))
	}
	if len(extensionRole) > maxExtensionRoleNameLength {
		allErrs = append(allErrs, field.TooLong(fldPath, role, maxExtensionRoleNameLength))
	}
	if msgs := path.IsValidPathSegmentName(extensionRole); len(msgs) > 0 {
		allErrs = append(allErrs, field.Invalid(fldPath, role, strings.Join(msgs, ", ")))
	}
	return allErrs
}

// validateSubject checks an RBAC subject: a User or Group of the rbac.authorization.k8s.io API group without a
// namespace, or a ServiceAccount with a namespace and without an API group.
func validateSubject(subject rbacv1.Subject, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList

	if subject.Name == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("name"), ""))
	}

	switch subject.Kind {
	case rbacv1.ServiceAccountKind:
		if subject.Name != "" {
			for _, msg := range apivalidation.ValidateServiceAccountName(subject.Name, false) {
				allErrs = append(allErrs, field.Invalid(fldPath.Child("name"), subject.Name, msg))
			}
		}
		if subject.APIGroup != "" {
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("apiGroup"), subject.APIGroup, []string{""}))
		}
		if subject.Namespace == "" {
			allErrs = append(allErrs, field.Required(fldPath.Child("namespace"), ""))
		} else {
			allErrs = append(allErrs, validateNamespaceName(subject.Namespace, fldPath.Child("namespace"))...)
		}
	case rbacv1.UserKind, rbacv1.GroupKind:
		if subject.APIGroup != rbacv1.GroupName {
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("apiGroup"), subject.APIGroup, []string{rbacv1.GroupName}))
		}
		if subject.Namespace != "" {
			allErrs = append(allErrs, field.Forbidden(fldPath.Child("namespace"), "must not be set for a User or Group"))
		}
	default:
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("kind"), subject.Kind, []string{rbacv1.ServiceAccountKind, rbacv1.UserKind, rbacv1.GroupKind}))
	}

	return allErrs
}
