package apiserver_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// withWorkers turns a workerless shoot into one with a pool, on the suite's provider-local
// cloud profile and calico registration.
func withWorkers(s *gardencorev1beta1.Shoot) *gardencorev1beta1.Shoot {
	s.Spec.Kubernetes.Version = ""
	s.Spec.Networking = &gardencorev1beta1.Networking{Type: ptr.To("calico"), Nodes: ptr.To("10.0.0.0/16")}
	s.Spec.Provider.Workers = []gardencorev1beta1.Worker{{
		Name: "pool", Minimum: 1, Maximum: 2,
		Machine: gardencorev1beta1.Machine{Type: "local"},
	}}
	return s
}

var _ = Describe("Invalid shoots", func() {
	var ns string
	BeforeEach(func(ctx context.Context) { ns = newNamespace(ctx) })

	DescribeTable("are rejected with the offending field path",
		func(ctx context.Context, mutate func(*gardencorev1beta1.Shoot), wantField string) {
			shoot := withWorkers(newShoot(ns, "invalid"))
			mutate(shoot)
			err := c.Create(ctx, shoot)
			Expect(apierrors.IsInvalid(err) || apierrors.IsForbidden(err)).To(BeTrue(), "expected a rejection, got %v", err)
			Expect(fieldCauses(err)).To(ContainElement(wantField), err.Error())
		},
		Entry("an invalid CIDR", func(s *gardencorev1beta1.Shoot) { s.Spec.Networking.Nodes = ptr.To("10.0.0.0/33") }, "spec.networking.nodes"),
		Entry("overlapping CIDRs", func(s *gardencorev1beta1.Shoot) { s.Spec.Networking.Pods = ptr.To("10.0.128.0/17") }, "spec.networking.pods"),
		Entry("minimum greater than maximum", func(s *gardencorev1beta1.Shoot) { s.Spec.Provider.Workers[0].Minimum = 3 }, "spec.provider.workers[0].minimum"),
		Entry("a bad hibernation cron", func(s *gardencorev1beta1.Shoot) {
			s.Spec.Hibernation = &gardencorev1beta1.Hibernation{Schedules: []gardencorev1beta1.HibernationSchedule{{Start: ptr.To("0 25 * * *")}}}
		}, "spec.hibernation.schedules[0].start"),
		Entry("an unknown machine type", func(s *gardencorev1beta1.Shoot) { s.Spec.Provider.Workers[0].Machine.Type = "huge" }, "spec.provider.workers[0].machine.type"),
		Entry("a version the cloud profile does not offer", func(s *gardencorev1beta1.Shoot) { s.Spec.Kubernetes.Version = "1.30.99" }, "spec.kubernetes.version"),
	)

	It("may not change their region", func(ctx context.Context) {
		shoot := withWorkers(newShoot(ns, "moving"))
		Expect(c.Create(ctx, shoot)).To(Succeed())
		shoot.Spec.Region = "elsewhere"
		err := c.Update(ctx, shoot)
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "expected 422, got %v", err)
		Expect(fieldCauses(err)).To(ContainElement("spec.region"))
	})
})

var _ = Describe("kubectl", func() {
	It("explains shoot.spec.provider.workers from the served OpenAPI", func(ctx context.Context) {
		out := kubectl(ctx, "explain", "shoot.spec.provider.workers")
		Expect(out).To(ContainSubstring("GROUP:      core.gardener.cloud"))
		Expect(out).To(ContainSubstring("FIELD: workers <[]Worker>"))
		Expect(out).To(MatchRegexp(`maximum\s+<integer> -required-`))
		Expect(out).To(MatchRegexp(`machine\s+<Machine> -required-`))
	})

	It("lets two field managers apply different workers of one shoot without conflict", func(ctx context.Context) {
		ns := newNamespace(ctx)
		base := `apiVersion: core.gardener.cloud/v1beta1
kind: Shoot
metadata:
  name: shared
  namespace: ` + ns + `
  annotations:
    confirmation.gardener.cloud/deletion: "true"
spec:
  cloudProfile:
    name: local
  region: local
  networking:
    type: calico
    nodes: 10.0.0.0/16
  provider:
    type: local
    workers:
    - name: alice
      minimum: 1
      maximum: 2
      machine:
        type: local
`
		bob := `apiVersion: core.gardener.cloud/v1beta1
kind: Shoot
metadata:
  name: shared
  namespace: ` + ns + `
spec:
  provider:
    workers:
    - name: bob
      minimum: 2
      maximum: 3
      machine:
        type: local
`
		Expect(kubectlStdin(ctx, base, "apply", "--server-side", "--field-manager=alice", "-f", "-")).To(ContainSubstring("serverside-applied"))
		Expect(kubectlStdin(ctx, bob, "apply", "--server-side", "--field-manager=bob", "-f", "-")).To(ContainSubstring("serverside-applied"))
		// Alice applies again, changing her pool only: no conflict with Bob's.
		Expect(kubectlStdin(ctx, strings.Replace(base, "maximum: 2", "maximum: 4", 1), "apply", "--server-side", "--field-manager=alice", "-f", "-")).
			To(ContainSubstring("serverside-applied"))

		shoot := &gardencorev1beta1.Shoot{}
		Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "shared"}, shoot)).To(Succeed())
		pools := map[string]int32{}
		for _, w := range shoot.Spec.Provider.Workers {
			pools[w.Name] = w.Maximum
		}
		Expect(pools).To(Equal(map[string]int32{"alice": 4, "bob": 3}))
		owners := map[string]string{}
		for _, mf := range shoot.ManagedFields {
			owners[mf.Manager] = string(mf.FieldsV1.Raw)
		}
		Expect(owners).To(HaveKeyWithValue("alice", ContainSubstring(`"k:{\"name\":\"alice\"}"`)))
		Expect(owners).To(HaveKeyWithValue("bob", ContainSubstring(`"k:{\"name\":\"bob\"}"`)))
		Expect(owners["bob"]).NotTo(ContainSubstring(`"k:{\"name\":\"alice\"}"`))

		// Bob changing Alice's pool is a conflict.
		stolen := strings.Replace(bob, "name: bob\n      minimum: 2\n      maximum: 3", "name: alice\n      minimum: 1\n      maximum: 9", 1)
		Expect(kubectlStdinMayFail(ctx, stolen, "apply", "--server-side", "--field-manager=bob", "-f", "-")).To(ContainSubstring("conflict"))
	})
})

// kubectlStdinMayFail runs kubectl with stdin and returns its combined output, whether it
// failed or not.
func kubectlStdinMayFail(ctx context.Context, stdin string, args ...string) string {
	cmd := exec.CommandContext(ctx, filepath.Join(env.BinDir, "kubectl"), append([]string{"--kubeconfig", env.KubeconfigPath}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, _ := cmd.CombinedOutput()
	return string(out)
}
