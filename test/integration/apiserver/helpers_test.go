package apiserver_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// newShoot returns a workerless Shoot in namespace that the server accepts. Its deletion is
// confirmed, so that the tests may delete it.
func newShoot(namespace, name string) *gardencorev1beta1.Shoot {
	return &gardencorev1beta1.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Annotations: map[string]string{
			"confirmation.gardener.cloud/deletion": "true",
		}},
		Spec: gardencorev1beta1.ShootSpec{
			CloudProfile: &gardencorev1beta1.CloudProfileReference{Name: "local"},
			Region:       "local",
			Provider:     gardencorev1beta1.Provider{Type: "local"},
			Kubernetes:   gardencorev1beta1.Kubernetes{Version: "1.33.0"},
		},
	}
}

// newSeed returns a Seed that the server accepts.
func newSeed(name string) *gardencorev1beta1.Seed {
	return &gardencorev1beta1.Seed{
		ObjectMeta: metav1.ObjectMeta{GenerateName: name},
		Spec: gardencorev1beta1.SeedSpec{
			Provider: gardencorev1beta1.SeedProvider{Type: "local", Region: "local"},
			Networks: gardencorev1beta1.SeedNetworks{
				Pods:     "10.1.0.0/16",
				Services: "10.2.0.0/16",
				Nodes:    ptr.To("172.18.0.0/16"),
			},
		},
	}
}

// kubectl runs bin/kubectl with the admin kubeconfig and returns its combined output.
func kubectl(ctx context.Context, args ...string) string {
	GinkgoHelper()
	bin := filepath.Join(env.BinDir, "kubectl")
	if _, err := os.Stat(bin); err != nil {
		Fail("kubectl is missing in " + env.BinDir + ": run 'make kube'")
	}
	out, err := exec.CommandContext(ctx, bin, append([]string{"--kubeconfig", env.KubeconfigPath}, args...)...).CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(out))
	return string(out)
}

// kubectlMayFail is kubectl for commands whose failure the test accepts.
func kubectlMayFail(ctx context.Context, args ...string) error {
	return exec.CommandContext(ctx, filepath.Join(env.BinDir, "kubectl"), append([]string{"--kubeconfig", env.KubeconfigPath}, args...)...).Run()
}

// kubectlStdin runs kubectl with stdin and returns its combined output.
func kubectlStdin(ctx context.Context, stdin string, args ...string) string {
	GinkgoHelper()
	cmd := exec.CommandContext(ctx, filepath.Join(env.BinDir, "kubectl"), append([]string{"--kubeconfig", env.KubeconfigPath}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(out))
	return string(out)
}
