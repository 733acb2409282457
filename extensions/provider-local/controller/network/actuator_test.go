package network_test

import (
	"context"
	"errors"
	"testing"

	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/extensions/provider-local/controller/network"
	"github.com/hortus-dev/hortus/extensions/provider-local/providerstatus"
)

func TestReconcile(t *testing.T) {
	tests := []struct {
		name         string
		spec         extensionsv1alpha1.NetworkSpec
		wantFamilies []extensionsv1alpha1.IPFamily
		wantErr      string
	}{
		{name: "IPv4 by default", spec: extensionsv1alpha1.NetworkSpec{PodCIDR: "100.96.0.0/11", ServiceCIDR: "100.64.0.0/13"}, wantFamilies: []extensionsv1alpha1.IPFamily{extensionsv1alpha1.IPFamilyIPv4}},
		{name: "given families", spec: extensionsv1alpha1.NetworkSpec{PodCIDR: "fd00::/48", ServiceCIDR: "fd01::/108", IPFamilies: []extensionsv1alpha1.IPFamily{extensionsv1alpha1.IPFamilyIPv6}}, wantFamilies: []extensionsv1alpha1.IPFamily{extensionsv1alpha1.IPFamilyIPv6}},
		{name: "bad CIDR", spec: extensionsv1alpha1.NetworkSpec{PodCIDR: "nope", ServiceCIDR: "100.64.0.0/13"}, wantErr: `spec.podCIDR "nope" is not a CIDR`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			s := runtime.NewScheme()
			g.Expect(extensionsv1alpha1.AddToScheme(s)).To(Succeed())
			n := &extensionsv1alpha1.Network{ObjectMeta: metav1.ObjectMeta{Namespace: "shoot--p--s", Name: "s"}, Spec: tt.spec}
			c := fake.NewClientBuilder().WithScheme(s).WithObjects(n).WithStatusSubresource(n).Build()

			err := (&network.Actuator{Client: c}).Reconcile(context.Background(), logr.Discard(), n, nil)
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				g.Expect(errors.Is(err, reconcile.TerminalError(nil))).To(BeTrue())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			got := &extensionsv1alpha1.Network{}
			g.Expect(c.Get(context.Background(), client.ObjectKeyFromObject(n), got)).To(Succeed())
			g.Expect(got.Status.IPFamilies).To(Equal(tt.wantFamilies))
			ps := &providerstatus.NetworkStatus{}
			g.Expect(providerstatus.Decode(got.Status.ProviderStatus, ps)).To(Succeed())
			g.Expect(ps.CNI).To(Equal("none"))
			g.Expect(ps.PodCIDR).To(Equal(tt.spec.PodCIDR))
			g.Expect(ps.ServiceCIDR).To(Equal(tt.spec.ServiceCIDR))
		})
	}
}
