package seed

import (
	"errors"
	"testing"

	gardenletconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/gardenlet/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSystemComponentsCondition(t *testing.T) {
	tests := []struct {
		name        string
		obs         Observation
		wantStatus  gardencorev1beta1.ConditionStatus
		wantReason  string
		wantMessage []string
	}{
		{
			name:        "ready and namespace there",
			obs:         Observation{Namespace: "garden"},
			wantStatus:  gardencorev1beta1.ConditionTrue,
			wantReason:  ReasonSystemComponentsRunning,
			wantMessage: []string{`namespace "garden" exists`, "extension CRDs are established"},
		},
		{
			name:        "not ready",
			obs:         Observation{Namespace: "garden", ReadyErr: errors.New("connection refused")},
			wantStatus:  gardencorev1beta1.ConditionFalse,
			wantReason:  ReasonSeedClusterNotReady,
			wantMessage: []string{"not ready: connection refused"},
		},
		{
			name:        "namespace missing",
			obs:         Observation{Namespace: "garden", NamespaceErr: errors.New("creating it: forbidden")},
			wantStatus:  gardencorev1beta1.ConditionFalse,
			wantReason:  ReasonSeedNamespaceNotReady,
			wantMessage: []string{`Namespace "garden" in the seed cluster is not ready: creating it: forbidden`},
		},
		{
			name:        "extension CRDs not established",
			obs:         Observation{Namespace: "garden", CRDsErr: errors.New("workers.extensions.gardener.cloud not established")},
			wantStatus:  gardencorev1beta1.ConditionFalse,
			wantReason:  ReasonExtensionCRDsNotReady,
			wantMessage: []string{"extension CRDs are not ready", "workers.extensions.gardener.cloud"},
		},
		{
			name:        "both: the first reason, both messages",
			obs:         Observation{Namespace: "garden", ReadyErr: errors.New("timeout"), NamespaceErr: errors.New("timeout")},
			wantStatus:  gardencorev1beta1.ConditionFalse,
			wantReason:  ReasonSeedClusterNotReady,
			wantMessage: []string{"API server is not ready", "Namespace \"garden\""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			c := SystemComponentsCondition(tt.obs)
			g.Expect(c.Type).To(Equal(gardencorev1beta1.SeedSystemComponentsHealthy))
			g.Expect(c.Status).To(Equal(tt.wantStatus))
			g.Expect(c.Reason).To(Equal(tt.wantReason))
			for _, m := range tt.wantMessage {
				g.Expect(c.Message).To(ContainSubstring(m))
			}
		})
	}
}

func TestBackupBucketsCondition(t *testing.T) {
	bucket := func(generation, observed int64, op *gardencorev1beta1.LastOperation, lastErr *gardencorev1beta1.LastError) *gardencorev1beta1.BackupBucket {
		return &gardencorev1beta1.BackupBucket{
			ObjectMeta: metav1.ObjectMeta{Name: "uid", Generation: generation},
			Status:     gardencorev1beta1.BackupBucketStatus{ObservedGeneration: observed, LastOperation: op, LastError: lastErr},
		}
	}
	op := func(state gardencorev1beta1.LastOperationState) *gardencorev1beta1.LastOperation {
		return &gardencorev1beta1.LastOperation{Type: gardencorev1beta1.LastOperationTypeReconcile, State: state, Description: "did it"}
	}
	tests := []struct {
		name        string
		bucket      *gardencorev1beta1.BackupBucket
		ensureErr   error
		wantStatus  gardencorev1beta1.ConditionStatus
		wantReason  string
		wantMessage string
	}{
		{name: "not there yet", wantStatus: gardencorev1beta1.ConditionUnknown, wantReason: ReasonBackupBucketsNotReconciled, wantMessage: "BackupBucket uid has not been reconciled yet"},
		{name: "no operation yet", bucket: bucket(1, 0, nil, nil), wantStatus: gardencorev1beta1.ConditionUnknown, wantReason: ReasonBackupBucketsNotReconciled, wantMessage: "has not been reconciled yet"},
		{name: "succeeded", bucket: bucket(1, 1, op(gardencorev1beta1.LastOperationStateSucceeded), nil), wantStatus: gardencorev1beta1.ConditionTrue, wantReason: ReasonBackupBucketsAvailable, wantMessage: "available"},
		{name: "succeeded for an older generation", bucket: bucket(2, 1, op(gardencorev1beta1.LastOperationStateSucceeded), nil), wantStatus: gardencorev1beta1.ConditionUnknown, wantReason: ReasonBackupBucketsNotReconciled, wantMessage: "has not been reconciled yet"},
		{name: "processing", bucket: bucket(1, 1, op(gardencorev1beta1.LastOperationStateProcessing), nil), wantStatus: gardencorev1beta1.ConditionUnknown, wantReason: ReasonBackupBucketsNotReconciled, wantMessage: "being reconciled (Reconcile Processing)"},
		{
			name:       "last error",
			bucket:     bucket(1, 1, op(gardencorev1beta1.LastOperationStateError), &gardencorev1beta1.LastError{Description: "bucket quota exceeded"}),
			wantStatus: gardencorev1beta1.ConditionFalse, wantReason: ReasonBackupBucketsError, wantMessage: "BackupBucket uid: bucket quota exceeded",
		},
		{name: "failed without error", bucket: bucket(1, 1, op(gardencorev1beta1.LastOperationStateFailed), nil), wantStatus: gardencorev1beta1.ConditionFalse, wantReason: ReasonBackupBucketsError, wantMessage: "Reconcile Failed: did it"},
		{name: "could not be ensured", ensureErr: errors.New("forbidden"), wantStatus: gardencorev1beta1.ConditionFalse, wantReason: ReasonBackupBucketsError, wantMessage: "could not be created or updated: forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			c := BackupBucketsCondition("uid", tt.bucket, tt.ensureErr)
			g.Expect(c.Type).To(Equal(gardencorev1beta1.SeedBackupBucketsReady))
			g.Expect(c.Status).To(Equal(tt.wantStatus))
			g.Expect(c.Reason).To(Equal(tt.wantReason))
			g.Expect(c.Message).To(ContainSubstring(tt.wantMessage))
		})
	}
}

func TestShootCapacity(t *testing.T) {
	q := resource.MustParse
	tests := []struct {
		name                          string
		res                           *gardenletconfigv1alpha1.ResourcesConfiguration
		wantCapacity, wantAllocatable corev1.ResourceList
	}{
		{name: "no resources"},
		{name: "no capacity", res: &gardenletconfigv1alpha1.ResourcesConfiguration{Reserved: corev1.ResourceList{ResourceShoots: q("1")}}},
		{
			name:         "capacity only",
			res:          &gardenletconfigv1alpha1.ResourcesConfiguration{Capacity: corev1.ResourceList{ResourceShoots: q("10"), "cpu": q("3")}},
			wantCapacity: corev1.ResourceList{ResourceShoots: q("10")}, wantAllocatable: corev1.ResourceList{ResourceShoots: q("10")},
		},
		{
			name:         "capacity less reserved",
			res:          &gardenletconfigv1alpha1.ResourcesConfiguration{Capacity: corev1.ResourceList{ResourceShoots: q("10")}, Reserved: corev1.ResourceList{ResourceShoots: q("3")}},
			wantCapacity: corev1.ResourceList{ResourceShoots: q("10")}, wantAllocatable: corev1.ResourceList{ResourceShoots: q("7")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			capacity, allocatable := ShootCapacity(tt.res)
			g.Expect(capacity).To(HaveLen(len(tt.wantCapacity)))
			for k, v := range tt.wantCapacity {
				got := capacity[k]
				g.Expect(got.Cmp(v)).To(BeZero(), "capacity %s", k)
			}
			g.Expect(allocatable).To(HaveLen(len(tt.wantAllocatable)))
			for k, v := range tt.wantAllocatable {
				got := allocatable[k]
				g.Expect(got.Cmp(v)).To(BeZero(), "allocatable %s", k)
			}
		})
	}
}

func TestDesired(t *testing.T) {
	g := NewWithT(t)
	template := &gardenletconfigv1alpha1.SeedConfig{}
	template.Name = "local"
	template.Labels = map[string]string{"base": "local", "gardener.cloud/role": "overridden"}
	template.Annotations = map[string]string{"a": "b"}
	template.Spec.Provider = gardencorev1beta1.SeedProvider{Type: "local", Region: "local"}

	seed := Desired(template)
	g.Expect(seed.Name).To(Equal("local"))
	g.Expect(seed.Labels).To(Equal(map[string]string{"base": "local", "gardener.cloud/role": "overridden"}))
	g.Expect(seed.Annotations).To(Equal(map[string]string{"a": "b"}))
	g.Expect(seed.Spec.Settings).NotTo(BeNil(), "Gardener's defaults apply")
	g.Expect(seed.Spec.Settings.Scheduling.Visible).To(BeTrue())
	g.Expect(template.Spec.Settings).To(BeNil(), "the template is not modified")

	template.Labels = nil
	g.Expect(Desired(template).Labels).To(Equal(map[string]string{"gardener.cloud/role": "seed"}))
}
