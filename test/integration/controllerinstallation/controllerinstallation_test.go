package controllerinstallation_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	gardencorev1 "github.com/gardener/gardener/pkg/apis/core/v1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/executor/process"
	"github.com/hortus-dev/hortus/pkg/gardenlet"
	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/controllerinstallation"
	"github.com/hortus-dev/hortus/pkg/helmchart"
)

// haveCondition matches an installation with a condition of type t and status.
func haveCondition(t gardencorev1beta1.ConditionType, status gardencorev1beta1.ConditionStatus) OmegaMatcher {
	return HaveField("Status.Conditions", ContainElement(And(HaveField("Type", t), HaveField("Status", status))))
}

func values(v map[string]any) *apiextensionsv1.JSON {
	b, err := json.Marshal(v)
	Expect(err).NotTo(HaveOccurred())
	return &apiextensionsv1.JSON{Raw: b}
}

// processStatus reads the status of the installation's processes from the gardenlet's
// state directory.
func processStatus(ctx context.Context, set string) []component.Status {
	ex, err := process.New(process.Options{StateDir: filepath.Join(stateDir, gardenlet.ExtensionsStateDir)})
	Expect(err).NotTo(HaveOccurred())
	defer func() { Expect(ex.Close()).To(Succeed()) }()
	statuses, err := ex.Status(ctx, set)
	Expect(err).NotTo(HaveOccurred())
	return statuses
}

var _ = Describe("ControllerInstallation", func() {
	It("installs a helm ControllerDeployment into the seed, runs its Hortus-image Deployment as a process, and uninstalls it", func(ctx context.Context) {
		const name = "ci-test"
		namespace := controllerinstallation.NamespaceName(name)
		workDir := filepath.Join(stateDir, gardenlet.ExtensionsStateDir, namespace, "controller")

		chart, err := helmchart.Package(os.DirFS("testdata"), "chart")
		Expect(err).NotTo(HaveOccurred())
		deployment := &gardencorev1.ControllerDeployment{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Helm:       &gardencorev1.HelmControllerDeployment{RawChart: chart, Values: values(map[string]any{"greeting": "servus"})},
		}
		Expect(c.Create(ctx, deployment)).To(Succeed())
		registration := &gardencorev1beta1.ControllerRegistration{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: gardencorev1beta1.ControllerRegistrationSpec{
				Resources:  []gardencorev1beta1.ControllerResource{{Kind: "Extension", Type: name}},
				Deployment: &gardencorev1beta1.ControllerRegistrationDeployment{DeploymentRefs: []gardencorev1beta1.DeploymentRef{{Name: name}}},
			},
		}
		Expect(c.Create(ctx, registration)).To(Succeed())

		By("creating the installation for the seed, as the controller manager does")
		inst := &gardencorev1beta1.ControllerInstallation{
			ObjectMeta: metav1.ObjectMeta{Name: name + "-" + seedName},
			Spec: gardencorev1beta1.ControllerInstallationSpec{
				RegistrationRef: corev1.ObjectReference{Name: name},
				DeploymentRef:   &corev1.ObjectReference{Name: name},
				SeedRef:         &corev1.ObjectReference{Name: seedName},
			},
		}
		Expect(c.Create(ctx, inst)).To(Succeed())

		Eventually(func(g Gomega) *gardencorev1beta1.ControllerInstallation {
			g.Expect(c.Get(ctx, client.ObjectKeyFromObject(inst), inst)).To(Succeed())
			return inst
		}).Should(And(
			HaveField("Finalizers", ContainElement(controllerinstallation.Finalizer)),
			haveCondition(gardencorev1beta1.ControllerInstallationValid, gardencorev1beta1.ConditionTrue),
			haveCondition(gardencorev1beta1.ControllerInstallationInstalled, gardencorev1beta1.ConditionTrue),
			haveCondition(gardencorev1beta1.ControllerInstallationHealthy, gardencorev1beta1.ConditionTrue),
			haveCondition(gardencorev1beta1.ControllerInstallationProgressing, gardencorev1beta1.ConditionFalse),
		))

		By("applying the chart's objects, with the injected values")
		cm := &corev1.ConfigMap{}
		Expect(c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "greeting"}, cm)).To(Succeed())
		Expect(cm.Data).To(Equal(map[string]string{"greeting": "servus", "seed": seedName}))
		Expect(c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "extra"}, &corev1.ConfigMap{})).To(Succeed())
		Expect(c.Get(ctx, client.ObjectKey{Name: "extensions.hortus.test:" + name}, &rbacv1.ClusterRole{})).To(Succeed())
		err = c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "controller"}, &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}})
		Expect(apierrors.IsNotFound(err)).To(BeTrue(), "the Hortus-image Deployment runs as a process instead: %v", err)

		By("running the Deployment as a local process with the container's args and env")
		statuses := processStatus(ctx, namespace)
		Expect(statuses).To(ConsistOf(And(HaveField("Name", "controller"), HaveField("Phase", component.PhaseReady))))
		pid := statuses[0].PID
		Expect(pid).To(BeNumerically(">", 0))
		Eventually(func() (string, error) {
			b, err := os.ReadFile(filepath.Join(workDir, "args"))
			return string(b), err
		}).Should(Equal("stand-in-controller\n--greeting=servus\n"))
		envFile, err := os.ReadFile(filepath.Join(workDir, "env"))
		Expect(err).NotTo(HaveOccurred())
		Expect(strings.Split(string(envFile), "\n")).To(ContainElements(
			"GREETING=servus",
			"POD_NAMESPACE="+namespace,
			"KUBECONFIG="+filepath.Join(workDir, controllerinstallation.KubeconfigFile),
		))

		By("giving the process exactly the chart's RBAC through its kubeconfig")
		processConfig, err := clientcmd.BuildConfigFromFlags("", filepath.Join(workDir, controllerinstallation.KubeconfigFile))
		Expect(err).NotTo(HaveOccurred())
		processClient, err := client.New(processConfig, client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())
		Expect(processClient.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "greeting"}, &corev1.ConfigMap{})).To(Succeed())
		Expect(processClient.Get(ctx, client.ObjectKey{Name: namespace}, &corev1.Namespace{})).To(Succeed())
		err = processClient.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "greeting"}, &corev1.Secret{})
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "secrets are not in the chart's RBAC: %v", err)

		By("deleting an object that leaves the chart")
		Expect(c.Get(ctx, client.ObjectKeyFromObject(deployment), deployment)).To(Succeed())
		deployment.Helm.Values = values(map[string]any{"greeting": "servus", "extraConfigMap": false})
		Expect(c.Update(ctx, deployment)).To(Succeed())
		Eventually(func() error {
			return c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "extra"}, &corev1.ConfigMap{})
		}).Should(Satisfy(apierrors.IsNotFound))
		Expect(c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "greeting"}, cm)).To(Succeed())
		Expect(processStatus(ctx, namespace)).To(ConsistOf(HaveField("PID", pid)), "an unchanged process is not restarted")

		By("deleting the installation: the process, the objects and the namespace go, then the finalizer")
		Expect(c.Delete(ctx, inst)).To(Succeed())
		Eventually(func() error {
			return c.Get(ctx, client.ObjectKeyFromObject(inst), inst)
		}).WithTimeout(time.Minute).Should(Satisfy(apierrors.IsNotFound))
		Expect(errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)).To(BeTrue(), "process %d is gone", pid)
		Expect(processStatus(ctx, namespace)).To(BeEmpty())
		err = c.Get(ctx, client.ObjectKey{Name: namespace}, &corev1.Namespace{})
		Expect(apierrors.IsNotFound(err)).To(BeTrue(), "namespace %s is gone: %v", namespace, err)
		err = c.Get(ctx, client.ObjectKey{Name: "extensions.hortus.test:" + name}, &rbacv1.ClusterRole{})
		Expect(apierrors.IsNotFound(err)).To(BeTrue(), "the chart's ClusterRole is gone: %v", err)
	})
})
