package testenv_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/hortus-dev/hortus/pkg/component"
)

var _ = Describe("the test environment", func() {
	It("serves the pinned Kubernetes version", func() {
		v, err := admin.Discovery().ServerVersion()
		Expect(err).NotTo(HaveOccurred())
		Expect(v.GitVersion).To(Equal("v1.36.3"))
	})

	It("lets the admin create a Namespace and a ConfigMap", func(ctx context.Context) {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "admin-"}}
		ns, err := admin.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func(ctx context.Context) {
			Expect(admin.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{})).To(Succeed())
		})
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c"}, Data: map[string]string{"k": "v"}}
		_, err = admin.CoreV1().ConfigMaps(ns.Name).Create(ctx, cm, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		got, err := admin.CoreV1().ConfigMaps(ns.Name).Get(ctx, "c", metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(got.Data).To(HaveKeyWithValue("k", "v"))
	})

	It("forbids a user without RBAC bindings to list secrets", func(ctx context.Context) {
		cfg, err := env.UserConfig("nobody", "some-group")
		Expect(err).NotTo(HaveOccurred())
		c, err := kubernetes.NewForConfig(cfg)
		Expect(err).NotTo(HaveOccurred())
		_, err = c.CoreV1().Secrets("default").List(ctx, metav1.ListOptions{})
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "expected 403, got %v", err)
		Expect(err.Error()).To(ContainSubstring(`User "nobody"`))
	})

	It("runs etcd and kube-apiserver as ready processes with logs", func(ctx context.Context) {
		st, err := env.Components(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(st).To(HaveLen(2))
		for _, s := range st {
			Expect(s.Phase).To(Equal(component.PhaseReady), s.Name)
			Expect(s.PID).To(BeNumerically(">", 0))
			Expect(s.LogPath).To(BeAnExistingFile())
		}
	})

	It("writes an admin kubeconfig that kubectl can use", func(ctx context.Context) {
		kubectl := filepath.Join(env.BinDir, "kubectl")
		if _, err := os.Stat(kubectl); err != nil {
			Fail("kubectl is missing in " + env.BinDir + ": run 'make kube'")
		}
		out, err := exec.CommandContext(ctx, kubectl, "--kubeconfig", env.KubeconfigPath, "auth", "whoami", "-o", "jsonpath={.status.userInfo.groups}").CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
		Expect(strings.Contains(string(out), "system:masters")).To(BeTrue(), string(out))
	})
})
