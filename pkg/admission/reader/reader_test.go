package reader_test

import (
	"context"
	"testing"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/hortus-dev/hortus/pkg/admission/reader"
)

func TestShared(t *testing.T) {
	g := NewWithT(t)
	stop := make(chan struct{})
	defer close(stop)

	config := &rest.Config{Host: "https://127.0.0.1:8443", BearerToken: "loopback-token"}
	a := reader.Shared(rest.CopyConfig(config), stop)
	g.Expect(reader.Shared(rest.CopyConfig(config), stop)).To(BeIdenticalTo(a), "copies of one loopback configuration share a reader")

	other := rest.CopyConfig(config)
	other.BearerToken = "another-server"
	g.Expect(reader.Shared(other, stop)).NotTo(BeIdenticalTo(a))
}

func TestUnreachable(t *testing.T) {
	g := NewWithT(t)
	stop := make(chan struct{})
	defer close(stop)

	r := reader.New(&rest.Config{Host: "https://127.0.0.1:1"}, stop)
	g.Expect(r.HasSynced()).To(BeFalse())
	err := r.Get(context.Background(), client.ObjectKey{Name: "local"}, &gardencorev1beta1.CloudProfile{})
	g.Expect(err).To(HaveOccurred())
	g.Expect(apierrors.IsNotFound(err)).To(BeFalse())
}

func TestHandler(t *testing.T) {
	g := NewWithT(t)
	h := reader.NewHandler(admission.Create)
	g.Expect(h.ValidateInitialization()).To(MatchError(ContainSubstring("loopback")))

	h.SetLoopbackClientConfig(&rest.Config{Host: "https://127.0.0.1:1", BearerToken: "handler-test"})
	stop := make(chan struct{})
	defer close(stop)
	h.SetDrainedNotification(stop)
	g.Expect(h.ValidateInitialization()).To(Succeed())
	g.Expect(h.Cached()).NotTo(BeNil())
	g.Expect(h.Live()).NotTo(BeNil())

	fakeReader := fake.NewClientBuilder().WithScheme(reader.Scheme).Build()
	h = reader.NewHandler(admission.Create)
	h.UseReaders(fakeReader, nil)
	g.Expect(h.ValidateInitialization()).To(Succeed())
	g.Expect(h.Cached()).To(BeIdenticalTo(fakeReader))
	g.Expect(h.Live()).To(BeIdenticalTo(fakeReader))
	g.Expect(h.Ready(nil)).To(Succeed())
}

func TestProjectForNamespace(t *testing.T) {
	g := NewWithT(t)
	r := fake.NewClientBuilder().WithScheme(reader.Scheme).WithObjects(
		&gardencorev1beta1.Project{ObjectMeta: metav1.ObjectMeta{Name: "dev"}, Spec: gardencorev1beta1.ProjectSpec{Namespace: ptr.To("garden-dev")}},
		&gardencorev1beta1.Project{ObjectMeta: metav1.ObjectMeta{Name: "new"}},
	).Build()
	project, err := reader.ProjectForNamespace(context.Background(), r, "garden-dev")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(project.Name).To(Equal("dev"))

	_, err = reader.ProjectForNamespace(context.Background(), r, "default")
	g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "got %v", err)
}
