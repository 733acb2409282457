package reader

import (
	"context"
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ProjectForNamespace returns the Project whose spec.namespace is namespace, or a NotFound
// error when no Project owns it.
func ProjectForNamespace(ctx context.Context, r client.Reader, namespace string) (*gardencorev1beta1.Project, error) {
	projects := &gardencorev1beta1.ProjectList{}
	if err := r.List(ctx, projects); err != nil {
		return nil, fmt.Errorf("listing projects: %w", err)
	}
	for i := range projects.Items {
		if ns := projects.Items[i].Spec.Namespace; ns != nil && *ns == namespace {
			return &projects.Items[i], nil
		}
	}
	return nil, apierrors.NewNotFound(core.Resource("projects"), "for namespace "+namespace)
}
