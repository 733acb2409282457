package shootquota

import (
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func quota(days *int32) gardencorev1beta1.Quota {
	return gardencorev1beta1.Quota{Spec: gardencorev1beta1.QuotaSpec{ClusterLifetimeDays: days}}
}

func TestLifetime(t *testing.T) {
	for _, tc := range []struct {
		name   string
		quotas []gardencorev1beta1.Quota
		want   time.Duration
		wantOK bool
	}{
		{name: "no quotas"},
		{name: "no lifetime", quotas: []gardencorev1beta1.Quota{quota(nil)}},
		{name: "one", quotas: []gardencorev1beta1.Quota{quota(nil), quota(ptr.To[int32](7))}, want: 7 * 24 * time.Hour, wantOK: true},
		{name: "the shortest wins", quotas: []gardencorev1beta1.Quota{quota(ptr.To[int32](14)), quota(ptr.To[int32](3))}, want: 3 * 24 * time.Hour, wantOK: true},
		{name: "zero days", quotas: []gardencorev1beta1.Quota{quota(ptr.To[int32](0))}, want: 0, wantOK: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			got, ok := Lifetime(tc.quotas)
			g.Expect(ok).To(Equal(tc.wantOK))
			g.Expect(got).To(Equal(tc.want))
		})
	}
}

func TestExpiration(t *testing.T) {
	created := time.Date(2026, 3, 1, 10, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name         string
		annotation   *string
		want         time.Time
		wantAnnotate bool
		wantErr      bool
	}{
		{name: "computed from the creation time", want: created.Add(7 * 24 * time.Hour), wantAnnotate: true},
		{name: "taken from the annotation", annotation: ptr.To("2026-04-01T00:00:00Z"), want: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)},
		{name: "annotation with offset", annotation: ptr.To("2026-04-01T02:00:00+02:00"), want: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)},
		{name: "invalid annotation", annotation: ptr.To("next tuesday"), wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			shoot := &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(created)}}
			if tc.annotation != nil {
				shoot.Annotations = map[string]string{"shoot.gardener.cloud/expiration-timestamp": *tc.annotation}
			}
			got, annotate, err := Expiration(shoot, 7*24*time.Hour)
			if tc.wantErr {
				g.Expect(err).To(HaveOccurred())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(BeTemporally("==", tc.want))
			g.Expect(annotate).To(Equal(tc.wantAnnotate))
		})
	}
}
