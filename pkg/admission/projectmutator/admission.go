package projectmutator

import (
	"context"
	"io"
	"slices"

	"github.com/gardener/gardener/pkg/apis/core"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apiserver/pkg/admission"
)

// PluginName is the name of the plugin.
const PluginName = "ProjectMutator"

// Register registers the plugin.
func Register(plugins *admission.Plugins) {
	plugins.Register(PluginName, func(io.Reader) (admission.Interface, error) { return New(), nil })
}

// Plugin defaults the creator, owner and members of Projects.
type Plugin struct {
	*admission.Handler
}

var _ admission.MutationInterface = (*Plugin)(nil)

// New returns the plugin.
func New() *Plugin {
	return &Plugin{Handler: admission.NewHandler(admission.Create, admission.Update)}
}

// Admit mutates creates and updates of Projects; subresources and Projects that are being
// deleted are left alone.
func (p *Plugin) Admit(_ context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetKind().GroupKind() != core.Kind("Project") || a.GetSubresource() != "" {
		return nil
	}
	project, ok := a.GetObject().(*core.Project)
	if !ok {
		return apierrors.NewBadRequest("could not convert object to Project")
	}
	if a.GetOperation() == admission.Update && project.DeletionTimestamp != nil {
		return nil
	}
	if a.GetOperation() == admission.Create {
		SetCreator(project, a.GetUserInfo().GetName())
	}
	EnsureOwnerIsMember(project)
	return nil
}

// SetCreator sets spec.createdBy to the user who creates the Project and, when the Project
// names no owner, makes the first member with the owner role the owner, or else the
// creator.
func SetCreator(project *core.Project, user string) {
	project.Spec.CreatedBy = &rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}
	if project.Spec.Owner != nil {
		return
	}
	for _, member := range project.Spec.Members {
		if slices.Contains(member.Roles, core.ProjectMemberOwner) {
			project.Spec.Owner = member.Subject.DeepCopy()
			return
		}
	}
	project.Spec.Owner = project.Spec.CreatedBy.DeepCopy()
}

// EnsureOwnerIsMember adds the owner to the members, with the admin and owner roles, when
// it is not a member yet.
func EnsureOwnerIsMember(project *core.Project) {
	owner := project.Spec.Owner
	if owner == nil {
		return
	}
	if slices.ContainsFunc(project.Spec.Members, func(m core.ProjectMember) bool { return m.Subject == *owner }) {
		return
	}
	project.Spec.Members = append(project.Spec.Members, core.ProjectMember{
		Subject: *owner.DeepCopy(),
		Roles:   []string{core.ProjectMemberAdmin, core.ProjectMemberOwner},
	})
}
