package infrastructure_test

import (
	"context"
	"testing"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/hortus-dev/hortus/extensions/pkg/extension"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller/infrastructure"
	"github.com/hortus-dev/hortus/extensions/provider-local/providerstatus"
)

func TestReconcile(t *testing.T) {
	tests := []struct {
		name          string
		networking    *gardencorev1beta1.Networking
		wantNodes     string
		wantDefaulted bool
		wantPods      []string
	}{
		{name: "from the shoot", networking: &gardencorev1beta1.Networking{Nodes: ptr.To("10.1.0.0/16"), Pods: ptr.To("100.96.0.0/11")}, wantNodes: "10.1.0.0/16", wantPods: []string{"100.96.0.0/11"}},
		{name: "default", networking: &gardencorev1beta1.Networking{}, wantNodes: infrastructure.DefaultNodesCIDR, wantDefaulted: true},
		{name: "no networking", wantNodes: infrastructure.DefaultNodesCIDR, wantDefaulted: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			s := runtime.NewScheme()
			g.Expect(extensionsv1alpha1.AddToScheme(s)).To(Succeed())
			infra := &extensionsv1alpha1.Infrastructure{ObjectMeta: metav1.ObjectMeta{Namespace: "shoot--p--s", Name: "s"}}
			c := fake.NewClientBuilder().WithScheme(s).WithObjects(infra).WithStatusSubresource(infra).Build()
			cluster := &extension.Cluster{Shoot: &gardencorev1beta1.Shoot{Spec: gardencorev1beta1.ShootSpec{Networking: tt.networking}}}

			a := &infrastructure.Actuator{Client: c}
			g.Expect(a.Reconcile(context.Background(), logr.Discard(), infra, cluster)).To(Succeed())

			got := &extensionsv1alpha1.Infrastructure{}
			g.Expect(c.Get(context.Background(), client.ObjectKeyFromObject(infra), got)).To(Succeed())
			g.Expect(got.Status.NodesCIDR).To(Equal(ptr.To(tt.wantNodes)))
			g.Expect(got.Status.Networking.Nodes).To(Equal([]string{tt.wantNodes}))
			g.Expect(got.Status.Networking.Pods).To(Equal(tt.wantPods))
			ps := &providerstatus.InfrastructureStatus{}
			g.Expect(providerstatus.Decode(got.Status.ProviderStatus, ps)).To(Succeed())
			g.Expect(ps.NodesCIDR).To(Equal(tt.wantNodes))
			g.Expect(ps.NodesCIDRDefaulted).To(Equal(tt.wantDefaulted))
			g.Expect(a.Delete(context.Background(), logr.Discard(), infra, cluster)).To(Succeed())
		})
	}
}
