package cloudprofile_test

import (
	"context"
	"testing"
	"time"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/hortus-dev/hortus/pkg/admission/admissiontest"
	"github.com/hortus-dev/hortus/pkg/admission/cloudprofile"
)

func TestClassification(t *testing.T) {
	now := admissiontest.Now
	at := func(d time.Duration) *metav1.Time { return &metav1.Time{Time: now.Add(d)} }
	tests := []struct {
		name    string
		version gardencorev1beta1.ExpirableVersion
		want    gardencorev1beta1.VersionClassification
	}{
		{name: "nothing set", want: gardencorev1beta1.ClassificationSupported},
		{name: "a classification", version: gardencorev1beta1.ExpirableVersion{Classification: ptr.To(gardencorev1beta1.ClassificationPreview)}, want: gardencorev1beta1.ClassificationPreview},
		{name: "expiring later", version: gardencorev1beta1.ExpirableVersion{ExpirationDate: at(time.Hour)}, want: gardencorev1beta1.ClassificationSupported},
		{name: "expired", version: gardencorev1beta1.ExpirableVersion{ExpirationDate: at(-time.Hour), Classification: ptr.To(gardencorev1beta1.ClassificationDeprecated)}, want: gardencorev1beta1.ClassificationExpired},
		{
			name: "lifecycle before its first stage",
			version: gardencorev1beta1.ExpirableVersion{Lifecycle: []gardencorev1beta1.LifecycleStage{
				{Classification: gardencorev1beta1.ClassificationPreview, StartTime: at(time.Hour)},
			}},
			want: gardencorev1beta1.ClassificationUnavailable,
		},
		{
			name: "lifecycle in its second stage",
			version: gardencorev1beta1.ExpirableVersion{Lifecycle: []gardencorev1beta1.LifecycleStage{
				{Classification: gardencorev1beta1.ClassificationPreview},
				{Classification: gardencorev1beta1.ClassificationSupported, StartTime: at(-time.Hour)},
				{Classification: gardencorev1beta1.ClassificationExpired, StartTime: at(time.Hour)},
			}},
			want: gardencorev1beta1.ClassificationSupported,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			NewWithT(t).Expect(cloudprofile.Classification(tt.version, now)).To(Equal(tt.want))
		})
	}
}

func TestOf(t *testing.T) {
	g := NewWithT(t)
	ref, path, ok := cloudprofile.Of(&core.ShootSpec{CloudProfile: &core.CloudProfileReference{Name: "local"}})
	g.Expect(ok).To(BeTrue())
	g.Expect(ref).To(Equal(cloudprofile.Ref{Kind: "CloudProfile", Name: "local"}))
	g.Expect(path.String()).To(Equal("spec.cloudProfile.name"))

	ref, path, ok = cloudprofile.Of(&core.ShootSpec{CloudProfileName: ptr.To("local")})
	g.Expect(ok).To(BeTrue())
	g.Expect(ref).To(Equal(cloudprofile.Ref{Kind: "CloudProfile", Name: "local"}))
	g.Expect(path.String()).To(Equal("spec.cloudProfileName"))

	_, _, ok = cloudprofile.Of(&core.ShootSpec{})
	g.Expect(ok).To(BeFalse())
}

func TestGet(t *testing.T) {
	parent := admissiontest.CloudProfile()
	withStatus := &gardencorev1beta1.NamespacedCloudProfile{
		ObjectMeta: metav1.ObjectMeta{Name: "with-status", Namespace: "garden-dev"},
		Spec:       gardencorev1beta1.NamespacedCloudProfileSpec{Parent: gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: "local"}},
		Status:     gardencorev1beta1.NamespacedCloudProfileStatus{CloudProfileSpec: gardencorev1beta1.CloudProfileSpec{Type: "from-status"}},
	}
	expiresLater := &metav1.Time{Time: admissiontest.Now.Add(time.Hour)}
	withoutStatus := &gardencorev1beta1.NamespacedCloudProfile{
		ObjectMeta: metav1.ObjectMeta{Name: "without-status", Namespace: "garden-dev"},
		Spec: gardencorev1beta1.NamespacedCloudProfileSpec{
			Parent:       gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: "local"},
			Kubernetes:   &gardencorev1beta1.KubernetesSettings{Versions: []gardencorev1beta1.ExpirableVersion{{Version: "1.30.0"}, {Version: "1.31.0", ExpirationDate: expiresLater}}},
			MachineTypes: []gardencorev1beta1.MachineType{{Name: "custom"}},
		},
	}
	r := admissiontest.Reader(parent, withStatus, withoutStatus)
	ctx := context.Background()
	g := NewWithT(t)

	spec, err := cloudprofile.Get(ctx, r, "garden-dev", cloudprofile.Ref{Kind: "CloudProfile", Name: "local"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(spec.Type).To(Equal("local"))

	spec, err = cloudprofile.Get(ctx, r, "garden-dev", cloudprofile.Ref{Kind: "NamespacedCloudProfile", Name: "with-status"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(spec.Type).To(Equal("from-status"))

	spec, err = cloudprofile.Get(ctx, r, "garden-dev", cloudprofile.Ref{Kind: "NamespacedCloudProfile", Name: "without-status"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(spec.Type).To(Equal("local"), "merged with the parent")
	g.Expect(spec.MachineTypes).To(HaveLen(3))
	versions := map[string]gardencorev1beta1.ExpirableVersion{}
	for _, v := range spec.Kubernetes.Versions {
		versions[v.Version] = v
	}
	g.Expect(versions).To(HaveKey("1.30.0"))
	g.Expect(cloudprofile.Classification(versions["1.31.0"], admissiontest.Now)).To(Equal(gardencorev1beta1.ClassificationSupported), "the expiration is extended")

	merged := cloudprofile.Merge(&parent.Spec, &withoutStatus.Spec)
	g.Expect(merged.Kubernetes.Versions).To(HaveLen(len(parent.Spec.Kubernetes.Versions) + 1))
	g.Expect(parent.Spec.Kubernetes.Versions[6].ExpirationDate.Time).To(BeTemporally("<", admissiontest.Now), "Merge leaves the parent alone")

	_, err = cloudprofile.Get(ctx, r, "garden-other", cloudprofile.Ref{Kind: "NamespacedCloudProfile", Name: "with-status"})
	g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "got %v", err)
}
