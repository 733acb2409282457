package project

import (
	"fmt"
	"maps"

	controllermanagerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/controllermanager/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// ResourceQuotaName is the ResourceQuota that the controller keeps in a project namespace
// when the configuration has a quota for the project, as in Gardener.
const ResourceQuotaName = "gardener"

// quotaFor returns the first quota of the configuration whose project selector matches
// project's labels, or nil.
func quotaFor(cfg controllermanagerconfigv1alpha1.ProjectControllerConfiguration, project *gardencorev1beta1.Project) (*controllermanagerconfigv1alpha1.QuotaConfiguration, error) {
	for i := range cfg.Quotas {
		q := &cfg.Quotas[i]
		selector := labels.Everything()
		if q.ProjectSelector != nil {
			s, err := metav1.LabelSelectorAsSelector(q.ProjectSelector)
			if err != nil {
				return nil, fmt.Errorf("quota %d of the project controller configuration: %w", i, err)
			}
			selector = s
		}
		if selector.Matches(labels.Set(project.Labels)) {
			return q, nil
		}
	}
	return nil, nil
}

// mutateResourceQuota brings the ResourceQuota rq in line with the quota configuration q:
// it adds q's labels and annotations and the owner reference, and sets every limit of q
// that rq does not have yet. Limits that rq has already (an operator may have changed
// them) stay; limits that q does not name are dropped.
func mutateResourceQuota(rq *corev1.ResourceQuota, q *controllermanagerconfigv1alpha1.QuotaConfiguration, owner metav1.OwnerReference) {
	rq.OwnerReferences = mergeOwnerReference(rq.OwnerReferences, owner)
	if len(q.Config.Labels) > 0 {
		if rq.Labels == nil {
			rq.Labels = map[string]string{}
		}
		maps.Copy(rq.Labels, q.Config.Labels)
	}
	if len(q.Config.Annotations) > 0 {
		if rq.Annotations == nil {
			rq.Annotations = map[string]string{}
		}
		maps.Copy(rq.Annotations, q.Config.Annotations)
	}
	hard := corev1.ResourceList{}
	for name, quantity := range q.Config.Spec.Hard {
		if existing, ok := rq.Spec.Hard[name]; ok {
			hard[name] = existing
			continue
		}
		hard[name] = quantity
	}
	rq.Spec.Hard = hard
}
