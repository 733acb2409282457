package apiserver_test

import (
	"context"
	"testing"

	gardencorev1 "github.com/gardener/gardener/pkg/apis/core/v1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	seedmanagementv1alpha1 "github.com/gardener/gardener/pkg/apis/seedmanagement/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/test/testenv"
)

func TestAPIServer(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Hortus API Server Integration Suite")
}

var (
	env    *testenv.Environment
	scheme = runtime.NewScheme()
	// c is an admin controller-runtime client that talks JSON through the kube-apiserver.
	c client.Client
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(gardencorev1beta1.AddToScheme(scheme))
	utilruntime.Must(gardencorev1.AddToScheme(scheme))
	utilruntime.Must(securityv1alpha1.AddToScheme(scheme))
	utilruntime.Must(seedmanagementv1alpha1.AddToScheme(scheme))
}

var _ = BeforeSuite(func(ctx context.Context) {
	var err error
	env, err = testenv.Start(ctx, testenv.Options{Logger: GinkgoLogr, WithGardenAPI: true})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx context.Context) {
		Expect(env.Stop(ctx)).To(Succeed())
	})
	c, err = client.New(env.Config, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	createFixtures(ctx)
}, NodeTimeout(3*60e9))

// createFixtures creates what Hortus' admission plugins expect of a garden, as a Gardener
// landscape has it: provider-local's CloudProfile "local" (which newShoot references), the
// ControllerRegistrations of provider-local and calico, and the seeds seed-a and seed-b
// that the tests schedule Shoots to.
func createFixtures(ctx context.Context) {
	Expect(kubectl(ctx, "apply", "-f", compatDir+"/provider-local/cloudprofile.yaml")).To(ContainSubstring("created"))
	for _, registration := range []*gardencorev1beta1.ControllerRegistration{
		{
			ObjectMeta: metav1.ObjectMeta{Name: "provider-local"},
			Spec: gardencorev1beta1.ControllerRegistrationSpec{Resources: []gardencorev1beta1.ControllerResource{
				{Kind: "ControlPlane", Type: "local"},
				{Kind: "Infrastructure", Type: "local"},
				{Kind: "Worker", Type: "local"},
				{Kind: "OperatingSystemConfig", Type: "local"},
			}},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "networking-calico"},
			Spec: gardencorev1beta1.ControllerRegistrationSpec{Resources: []gardencorev1beta1.ControllerResource{
				{Kind: "Network", Type: "calico"},
			}},
		},
	} {
		Expect(c.Create(ctx, registration)).To(Succeed())
	}
	for _, name := range []string{"seed-a", "seed-b"} {
		seed := newSeed("")
		seed.GenerateName, seed.Name = "", name
		Expect(c.Create(ctx, seed)).To(Succeed())
	}
}

// newNamespace creates a namespace of its own for one test and deletes it afterwards.
func newNamespace(ctx context.Context) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "garden-test-"}}
	Expect(c.Create(ctx, ns)).To(Succeed())
	DeferCleanup(func(ctx context.Context) {
		Expect(client.IgnoreNotFound(c.Delete(ctx, ns))).To(Succeed())
	})
	return ns.Name
}
