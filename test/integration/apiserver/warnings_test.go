package apiserver_test

import (
	"context"
	"sync"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// warningCollector is a rest.WarningHandler that keeps the warnings it sees.
type warningCollector struct {
	mu       sync.Mutex
	warnings []string
}

func (w *warningCollector) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.warnings = append(w.warnings, text)
}

// take returns the warnings seen so far and forgets them.
func (w *warningCollector) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.warnings
	w.warnings = nil
	return out
}

const addonsWarning = "spec.addons is stored but not acted on by Hortus; see docs/api-compatibility.md"

var _ = Describe("Shoot warnings", func() {
	var (
		ns        string
		collector *warningCollector
		wc        client.Client
	)

	BeforeEach(func(ctx context.Context) {
		ns = newNamespace(ctx)
		collector = &warningCollector{}
		cfg := rest.CopyConfig(env.Config)
		cfg.WarningHandler = collector
		var err error
		wc, err = client.New(cfg, client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())
	})

	It("name fields that are stored but not acted on, on create and on spec updates", func(ctx context.Context) {
		shoot := newShoot(ns, "addons")
		shoot.Spec.Addons = &gardencorev1beta1.Addons{NginxIngress: &gardencorev1beta1.NginxIngress{Addon: gardencorev1beta1.Addon{Enabled: true}}}
		Expect(wc.Create(ctx, shoot)).To(Succeed())
		Expect(collector.take()).To(ContainElement(addonsWarning))

		shoot.Labels = map[string]string{"touched": "true"}
		Expect(wc.Update(ctx, shoot)).To(Succeed())
		Expect(collector.take()).To(BeEmpty(), "an update that keeps the spec does not warn")

		shoot.Spec.Kubernetes.Version = "1.33.0"
		shoot.Spec.Hibernation = &gardencorev1beta1.Hibernation{Enabled: new(bool)}
		Expect(wc.Update(ctx, shoot)).To(Succeed())
		Expect(collector.take()).To(ContainElement(addonsWarning))

		shoot.Status.IsHibernated = true
		Expect(wc.Status().Update(ctx, shoot)).To(Succeed())
		Expect(collector.take()).To(BeEmpty(), "a status update does not warn")
	})

	It("leave out the fields that Gardener's defaulting sets", func(ctx context.Context) {
		Expect(wc.Create(ctx, newShoot(ns, "plain"))).To(Succeed())
		Expect(collector.take()).To(BeEmpty(),
			"neither the fields the user set, which Hortus acts on, nor spec.kubernetes.kubeAPIServer, spec.maintenance, … that defaulting sets")
	})

	It("are printed by kubectl apply", func(ctx context.Context) {
		out := kubectlStdin(ctx, `apiVersion: core.gardener.cloud/v1beta1
kind: Shoot
metadata:
  name: applied-addons
  namespace: `+ns+`
  annotations:
    confirmation.gardener.cloud/deletion: "true"
spec:
  cloudProfile:
    name: local
  region: local
  provider:
    type: local
  kubernetes:
    version: "1.33.0"
  addons:
    nginxIngress:
      enabled: true
`, "apply", "-f", "-")
		Expect(out).To(ContainSubstring("Warning: " + addonsWarning))
		Expect(out).To(ContainSubstring("shoot.core.gardener.cloud/applied-addons created"))
	})
})
