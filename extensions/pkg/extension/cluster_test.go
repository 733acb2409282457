package extension_test

import (
	"context"
	"testing"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/hortus-dev/hortus/extensions/pkg/extension"
)

func TestGetCluster(t *testing.T) {
	raw := func(s string) runtime.RawExtension { return runtime.RawExtension{Raw: []byte(s)} }
	withSpec := func(mutate func(*extensionsv1alpha1.ClusterSpec)) *extensionsv1alpha1.Cluster {
		c := clusterObject()
		mutate(&c.Spec)
		return c
	}
	cases := []struct {
		name     string
		objs     []client.Object
		wantErr  string
		notFound bool
	}{
		{name: "decodes Shoot, Seed and CloudProfile", objs: []client.Object{clusterObject()}},
		{
			name: "decodes an embedded object",
			objs: []client.Object{withSpec(func(s *extensionsv1alpha1.ClusterSpec) {
				s.Shoot = runtime.RawExtension{Object: &gardencorev1beta1.Shoot{
					TypeMeta:   metav1.TypeMeta{APIVersion: "core.gardener.cloud/v1beta1", Kind: "Shoot"},
					ObjectMeta: metav1.ObjectMeta{Name: "name", Namespace: "garden-project"},
					Spec:       gardencorev1beta1.ShootSpec{Region: "local"},
				}}
			})},
		},
		{name: "a missing Cluster says so", wantErr: `there is no Cluster "shoot--project--name"`, notFound: true},
		{
			name:    "an empty shoot",
			objs:    []client.Object{withSpec(func(s *extensionsv1alpha1.ClusterSpec) { s.Shoot = runtime.RawExtension{} })},
			wantErr: "decoding spec.shoot of the Cluster",
		},
		{
			name: "a seed of the wrong kind",
			objs: []client.Object{withSpec(func(s *extensionsv1alpha1.ClusterSpec) {
				s.Seed = raw(`{"apiVersion":"core.gardener.cloud/v1beta1","kind":"Shoot"}`)
			})},
			wantErr: "it is a Shoot, not a Seed",
		},
		{
			name: "a cloud profile of another API version",
			objs: []client.Object{withSpec(func(s *extensionsv1alpha1.ClusterSpec) {
				s.CloudProfile = raw(`{"apiVersion":"core.gardener.cloud/v1","kind":"CloudProfile"}`)
			})},
			wantErr: `apiVersion "core.gardener.cloud/v1"`,
		},
		{
			name:    "malformed JSON",
			objs:    []client.Object{withSpec(func(s *extensionsv1alpha1.ClusterSpec) { s.Shoot = raw(`{"spec":{"region":1}}`) })},
			wantErr: "decoding spec.shoot",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(tc.objs...).Build()
			got, err := extension.GetCluster(context.Background(), c, namespace)
			if tc.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
				g.Expect(apierrors.IsNotFound(err)).To(Equal(tc.notFound))
				g.Expect(got).To(BeNil())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got.ObjectMeta.Name).To(Equal(namespace))
			g.Expect(got.Shoot.Name).To(Equal("name"))
			g.Expect(got.Shoot.Namespace).To(Equal("garden-project"))
			g.Expect(got.Shoot.Spec.Region).To(Equal("local"))
			g.Expect(got.Seed.Name).To(Equal("local"))
			g.Expect(got.CloudProfile.Name).To(Equal("local"))
		})
	}
}
