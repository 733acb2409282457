package validation_test

import (
	"testing"

	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gardener/gardener/pkg/apis/core"
	"github.com/gardener/gardener/pkg/apis/security"

	"github.com/hortus-dev/hortus/pkg/api/core/validation"
)

func newCredentialsBinding() *security.CredentialsBinding {
	return &security.CredentialsBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "local", Namespace: "garden-dev", ResourceVersion: "1"},
		Provider:   security.CredentialsBindingProvider{Type: "local"},
		CredentialsRef: corev1.ObjectReference{
			APIVersion: "security.gardener.cloud/v1alpha1", Kind: "WorkloadIdentity", Name: "local", Namespace: "garden-dev",
		},
		Quotas: []corev1.ObjectReference{{Name: "trial", Namespace: "garden-trial"}},
	}
}

func TestValidateCredentialsBinding(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*security.CredentialsBinding)
		want   []types.GomegaMatcher
	}{
		{name: "valid workload identity"},
		{name: "valid secret", mutate: func(b *security.CredentialsBinding) {
			b.CredentialsRef.APIVersion, b.CredentialsRef.Kind = "v1", "Secret"
		}},
		{name: "valid internal secret", mutate: func(b *security.CredentialsBinding) {
			b.CredentialsRef.APIVersion, b.CredentialsRef.Kind = "core.gardener.cloud/v1beta1", "InternalSecret"
		}},
		{
			name:   "namespace missing",
			mutate: func(b *security.CredentialsBinding) { b.Namespace = "" },
			want:   errs(required("metadata.namespace")),
		},
		{
			name:   "provider type missing",
			mutate: func(b *security.CredentialsBinding) { b.Provider.Type = "" },
			want:   errs(required("provider.type")),
		},
		{
			name:   "two provider types",
			mutate: func(b *security.CredentialsBinding) { b.Provider.Type = "aws,gcp" },
			want:   errs(invalid("provider.type")),
		},
		{
			name:   "credentials reference empty",
			mutate: func(b *security.CredentialsBinding) { b.CredentialsRef = corev1.ObjectReference{} },
			want: errs(
				required("credentialsRef.apiVersion"), required("credentialsRef.kind"),
				required("credentialsRef.name"), required("credentialsRef.namespace"),
			),
		},
		{
			name: "credentials of an unsupported kind",
			mutate: func(b *security.CredentialsBinding) {
				b.CredentialsRef.APIVersion, b.CredentialsRef.Kind = "v1", "ConfigMap"
			},
			want: errs(notSupported("credentialsRef")),
		},
		{
			name:   "quota without name",
			mutate: func(b *security.CredentialsBinding) { b.Quotas[0].Name = "" },
			want:   errs(required("quotas[0].name")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			binding := newCredentialsBinding()
			if tt.mutate != nil {
				tt.mutate(binding)
			}
			NewWithT(t).Expect(validation.ValidateCredentialsBinding(binding)).To(consistOfErrors(tt.want))
		})
	}
}

func TestValidateCredentialsBindingUpdate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*security.CredentialsBinding)
		want   []types.GomegaMatcher
	}{
		{name: "unchanged"},
		{name: "labels changed", mutate: func(b *security.CredentialsBinding) { b.Labels = map[string]string{"a": "b"} }},
		{
			name:   "provider changed",
			mutate: func(b *security.CredentialsBinding) { b.Provider.Type = "aws" },
			want:   errs(invalid("provider")),
		},
		{
			name:   "credentials changed",
			mutate: func(b *security.CredentialsBinding) { b.CredentialsRef.Name = "other" },
			want:   errs(invalid("credentialsRef")),
		},
		{
			name:   "quotas changed",
			mutate: func(b *security.CredentialsBinding) { b.Quotas = nil },
			want:   errs(invalid("quotas")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			binding := newCredentialsBinding()
			if tt.mutate != nil {
				tt.mutate(binding)
			}
			NewWithT(t).Expect(validation.ValidateCredentialsBindingUpdate(binding, newCredentialsBinding())).To(consistOfErrors(tt.want))
		})
	}
}

func newSecretBinding() *core.SecretBinding {
	return &core.SecretBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "local", Namespace: "garden-dev", ResourceVersion: "1"},
		Provider:   &core.SecretBindingProvider{Type: "local"},
		SecretRef:  corev1.SecretReference{Name: "local", Namespace: "garden-dev"},
	}
}

func TestValidateSecretBinding(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.SecretBinding)
		want   []types.GomegaMatcher
	}{
		{name: "valid"},
		{
			name:   "provider missing",
			mutate: func(b *core.SecretBinding) { b.Provider = nil },
			want:   errs(required("provider")),
		},
		{
			name:   "provider type missing",
			mutate: func(b *core.SecretBinding) { b.Provider.Type = "" },
			want:   errs(required("provider.type")),
		},
		{
			name:   "secret name missing",
			mutate: func(b *core.SecretBinding) { b.SecretRef.Name = "" },
			want:   errs(required("secretRef.name")),
		},
		{
			name:   "secret namespace invalid",
			mutate: func(b *core.SecretBinding) { b.SecretRef.Namespace = "Garden" },
			want:   errs(invalid("secretRef.namespace")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			binding := newSecretBinding()
			if tt.mutate != nil {
				tt.mutate(binding)
			}
			NewWithT(t).Expect(validation.ValidateSecretBinding(binding)).To(consistOfErrors(tt.want))
		})
	}
}

func TestValidateSecretBindingUpdate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.SecretBinding)
		want   []types.GomegaMatcher
	}{
		{name: "unchanged"},
		{
			name:   "secret changed",
			mutate: func(b *core.SecretBinding) { b.SecretRef.Name = "other" },
			want:   errs(invalid("secretRef")),
		},
		{
			name:   "provider changed",
			mutate: func(b *core.SecretBinding) { b.Provider.Type = "aws" },
			want:   errs(invalid("provider")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			binding := newSecretBinding()
			if tt.mutate != nil {
				tt.mutate(binding)
			}
			NewWithT(t).Expect(validation.ValidateSecretBindingUpdate(binding, newSecretBinding())).To(consistOfErrors(tt.want))
		})
	}
}

func newQuota() *core.Quota {
	return &core.Quota{
		ObjectMeta: metav1.ObjectMeta{Name: "trial", Namespace: "garden-trial", ResourceVersion: "1"},
		Spec: core.QuotaSpec{
			Scope: corev1.ObjectReference{APIVersion: "core.gardener.cloud/v1beta1", Kind: "Project"},
			Metrics: corev1.ResourceList{
				core.QuotaMetricCPU:    resource.MustParse("200"),
				core.QuotaMetricMemory: resource.MustParse("4000Gi"),
			},
		},
	}
}

func TestValidateQuota(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.Quota)
		want   []types.GomegaMatcher
	}{
		{name: "valid project quota"},
		{name: "valid secret quota", mutate: func(q *core.Quota) { q.Spec.Scope = corev1.ObjectReference{APIVersion: "v1", Kind: "Secret"} }},
		{
			name:   "unsupported scope",
			mutate: func(q *core.Quota) { q.Spec.Scope = corev1.ObjectReference{APIVersion: "v1", Kind: "Namespace"} },
			want:   errs(notSupported("spec.scope")),
		},
		{
			name:   "negative metric",
			mutate: func(q *core.Quota) { q.Spec.Metrics[core.QuotaMetricCPU] = resource.MustParse("-1") },
			want:   errs(invalid("spec.metrics[cpu]")),
		},
		{
			name:   "unsupported metric",
			mutate: func(q *core.Quota) { q.Spec.Metrics["pods"] = resource.MustParse("10") },
			want:   errs(notSupported("spec.metrics[pods]")),
		},
		{
			name:   "cluster lifetime of zero days",
			mutate: func(q *core.Quota) { q.Spec.ClusterLifetimeDays = new(int32) },
			want:   errs(invalid("spec.clusterLifetimeDays")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			quota := newQuota()
			if tt.mutate != nil {
				tt.mutate(quota)
			}
			NewWithT(t).Expect(validation.ValidateQuota(quota)).To(consistOfErrors(tt.want))
		})
	}
}

func TestValidateQuotaUpdate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.Quota)
		want   []types.GomegaMatcher
	}{
		{name: "unchanged"},
		{name: "metrics changed", mutate: func(q *core.Quota) { q.Spec.Metrics[core.QuotaMetricCPU] = resource.MustParse("100") }},
		{
			name:   "scope changed",
			mutate: func(q *core.Quota) { q.Spec.Scope = corev1.ObjectReference{APIVersion: "v1", Kind: "Secret"} },
			want:   errs(invalid("spec.scope")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			quota := newQuota()
			if tt.mutate != nil {
				tt.mutate(quota)
			}
			NewWithT(t).Expect(validation.ValidateQuotaUpdate(quota, newQuota())).To(consistOfErrors(tt.want))
		})
	}
}
