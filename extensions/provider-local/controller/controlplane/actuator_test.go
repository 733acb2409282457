package controlplane_test

import (
	"context"
	"errors"
	"testing"

	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/hortus-dev/hortus/extensions/provider-local/controller/controlplane"
	"github.com/hortus-dev/hortus/extensions/provider-local/providerstatus"
)

const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: shoot
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
users:
- name: admin
  user:
    token: abc
contexts:
- name: shoot
  context: {cluster: shoot, user: admin}
current-context: shoot
`

func TestReconcile(t *testing.T) {
	tests := []struct {
		name        string
		secret      bool
		versionErr  error
		wantErr     string
		wantChecked bool
		wantVersion string
	}{
		{name: "no Secret gardener yet", wantChecked: false},
		{name: "answers", secret: true, wantChecked: true, wantVersion: "v1.36.3"},
		{name: "does not answer", secret: true, versionErr: errors.New("connection refused"), wantErr: "does not answer through the Secret gardener: connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			s := runtime.NewScheme()
			g.Expect(extensionsv1alpha1.AddToScheme(s)).To(Succeed())
			g.Expect(corev1.AddToScheme(s)).To(Succeed())
			cp := &extensionsv1alpha1.ControlPlane{ObjectMeta: metav1.ObjectMeta{Namespace: "shoot--p--s", Name: "s"}}
			objs := []client.Object{cp}
			if tt.secret {
				objs = append(objs, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: cp.Namespace, Name: "gardener"}, Data: map[string][]byte{"kubeconfig": []byte(kubeconfig)}})
			}
			c := fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).WithStatusSubresource(cp).Build()
			var asked string
			a := &controlplane.Actuator{Client: c, ServerVersion: func(_ context.Context, cfg *rest.Config) (*version.Info, error) {
				asked = cfg.Host
				return &version.Info{GitVersion: "v1.36.3"}, tt.versionErr
			}}
			err := a.Reconcile(context.Background(), logr.Discard(), cp, nil)
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			got := &extensionsv1alpha1.ControlPlane{}
			g.Expect(c.Get(context.Background(), client.ObjectKeyFromObject(cp), got)).To(Succeed())
			ps := &providerstatus.ControlPlaneStatus{}
			g.Expect(providerstatus.Decode(got.Status.ProviderStatus, ps)).To(Succeed())
			g.Expect(ps.ShootAPIServer.Checked).To(Equal(tt.wantChecked))
			g.Expect(ps.ShootAPIServer.GitVersion).To(Equal(tt.wantVersion))
			if tt.wantChecked {
				g.Expect(asked).To(Equal("https://127.0.0.1:6443"))
				g.Expect(ps.ShootAPIServer.URL).To(Equal("https://127.0.0.1:6443"))
			}
		})
	}
}
