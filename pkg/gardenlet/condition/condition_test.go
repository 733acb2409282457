package condition

import (
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSet(t *testing.T) {
	var (
		t0 = time.Date(2026, 3, 11, 10, 0, 0, 0, time.UTC)
		t1 = t0.Add(time.Minute)
	)
	existing := gardencorev1beta1.Condition{
		Type: gardencorev1beta1.GardenletReady, Status: gardencorev1beta1.ConditionTrue, Reason: "R", Message: "m",
		LastTransitionTime: metav1.NewTime(t0), LastUpdateTime: metav1.NewTime(t0),
	}
	other := gardencorev1beta1.Condition{Type: gardencorev1beta1.SeedExtensionsReady, Status: gardencorev1beta1.ConditionTrue}

	tests := []struct {
		name                       string
		conditions                 []gardencorev1beta1.Condition
		set                        gardencorev1beta1.Condition
		wantTransition, wantUpdate time.Time
		wantLen                    int
	}{
		{
			name:           "new condition: both times now",
			conditions:     []gardencorev1beta1.Condition{other},
			set:            gardencorev1beta1.Condition{Type: gardencorev1beta1.GardenletReady, Status: gardencorev1beta1.ConditionTrue},
			wantTransition: t1, wantUpdate: t1, wantLen: 2,
		},
		{
			name:           "same status: transition time stays, update time moves",
			conditions:     []gardencorev1beta1.Condition{other, existing},
			set:            gardencorev1beta1.Condition{Type: gardencorev1beta1.GardenletReady, Status: gardencorev1beta1.ConditionTrue, Reason: "Other", Message: "other"},
			wantTransition: t0, wantUpdate: t1, wantLen: 2,
		},
		{
			name:           "status change: both times now",
			conditions:     []gardencorev1beta1.Condition{existing},
			set:            gardencorev1beta1.Condition{Type: gardencorev1beta1.GardenletReady, Status: gardencorev1beta1.ConditionFalse},
			wantTransition: t1, wantUpdate: t1, wantLen: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			before := append([]gardencorev1beta1.Condition(nil), tt.conditions...)
			got := Set(tt.conditions, tt.set, t1)
			g.Expect(got).To(HaveLen(tt.wantLen))
			c := Get(got, gardencorev1beta1.GardenletReady)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(Equal(tt.set.Status))
			g.Expect(c.Reason).To(Equal(tt.set.Reason))
			g.Expect(c.LastTransitionTime.Time).To(Equal(tt.wantTransition))
			g.Expect(c.LastUpdateTime.Time).To(Equal(tt.wantUpdate))
			g.Expect(Get(got, gardencorev1beta1.SeedExtensionsReady) != nil).To(Equal(Get(before, gardencorev1beta1.SeedExtensionsReady) != nil), "other conditions are kept")
			g.Expect(tt.conditions).To(Equal(before), "the input is not modified")
		})
	}
}

func TestRemove(t *testing.T) {
	g := NewWithT(t)
	conditions := []gardencorev1beta1.Condition{{Type: gardencorev1beta1.GardenletReady}, {Type: gardencorev1beta1.SeedBackupBucketsReady}}
	g.Expect(Remove(conditions, gardencorev1beta1.SeedBackupBucketsReady)).To(ConsistOf(HaveField("Type", gardencorev1beta1.GardenletReady)))
	g.Expect(Remove(conditions, gardencorev1beta1.SeedExtensionsReady)).To(HaveLen(2))
	g.Expect(conditions).To(HaveLen(2))
}
