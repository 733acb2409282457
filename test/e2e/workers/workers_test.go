package workers_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/test/e2e/framework"
)

const (
	namespace = "garden-local"
	name      = "local"
	// technicalID is the shoot's namespace in the seed.
	technicalID = "shoot--local--local"
)

var _ = Describe("a shoot with a worker pool", Ordered, func() {
	var kubeconfig string

	shoot := func(ctx context.Context, args ...string) (string, error) {
		return cli.Kubectl(ctx, kubeconfig, args...)
	}
	jsonpath := func(ctx context.Context, path string) func() (string, error) {
		return func() (string, error) {
			return garden(ctx, "-n", namespace, "get", "shoot", name, "-o", "jsonpath="+path)
		}
	}
	waitSucceeded := func(ctx context.Context) {
		Eventually(func(g Gomega) {
			out, err := garden(ctx, "-n", namespace, "get", "shoot", name, "-o", "json")
			g.Expect(err).NotTo(HaveOccurred())
			var s struct {
				Metadata struct{ Generation int64 }
				Status   struct {
					ObservedGeneration int64
					LastOperation      struct{ State, Description string }
				}
			}
			g.Expect(json.Unmarshal([]byte(out), &s)).To(Succeed())
			g.Expect(s.Status.ObservedGeneration).To(Equal(s.Metadata.Generation))
			g.Expect(s.Status.LastOperation.State).To(Equal("Succeeded"), s.Status.LastOperation.Description)
		}).WithTimeout(5 * time.Minute).Should(Succeed())
	}
	readyNodes := func(ctx context.Context) func() ([]string, error) {
		return func() ([]string, error) {
			out, err := shoot(ctx, "get", "nodes", "-o", `jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}`)
			if err != nil {
				return nil, err
			}
			var ready []string
			for _, l := range strings.Fields(out) {
				if n, status, _ := strings.Cut(l, "="); status == "True" {
					ready = append(ready, n)
				}
			}
			return ready, nil
		}
	}
	count := func(ctx context.Context, resource string) func() (int, error) {
		return func() (int, error) {
			out, err := garden(ctx, "-n", technicalID, "get", resource, "-o", "name")
			if err != nil {
				return -1, err
			}
			return len(strings.Fields(out)), nil
		}
	}
	runningPods := func(ctx context.Context) func() (int, error) {
		return func() (int, error) {
			out, err := shoot(ctx, "get", "pods", "-l", "app=web", "--field-selector=status.phase=Running", "-o", "name")
			if err != nil {
				return -1, err
			}
			return len(strings.Fields(out)), nil
		}
	}
	setPool := func(ctx context.Context, minimum, maximum int) {
		out, err := garden(ctx, "-n", namespace, "patch", "shoot", name, "--type=json", "-p",
			`[{"op":"replace","path":"/spec/provider/workers/0/minimum","value":`+strconv.Itoa(minimum)+`},{"op":"replace","path":"/spec/provider/workers/0/maximum","value":`+strconv.Itoa(maximum)+`}]`)
		Expect(err).NotTo(HaveOccurred(), out)
	}

	BeforeAll(func() {
		dir, err := os.MkdirTemp("", "hortus-e2e-workers-kubeconfig-")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(os.RemoveAll, dir)
		kubeconfig = filepath.Join(dir, "shoot.kubeconfig")
	})

	It("reaches Succeeded from Gardener's example with one Ready node and every condition True", func(ctx SpecContext) {
		out, err := garden(ctx, "apply", "-f", filepath.Join(compatDir, "provider-local", "shoot.yaml"))
		Expect(err).NotTo(HaveOccurred(), out)
		waitSucceeded(ctx)
		for _, c := range []string{"APIServerAvailable", "ControlPlaneHealthy", "EveryNodeReady", "SystemComponentsHealthy"} {
			Eventually(jsonpath(ctx, `{.status.conditions[?(@.type=="`+c+`")].status}`)).WithTimeout(2*time.Minute).Should(Equal("True"), c)
		}
		out, err = cli.Hortus(ctx, "kubeconfig", "-n", namespace, name, "-o", kubeconfig)
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(readyNodes(ctx)()).To(HaveLen(1))
	}, SpecTimeout(8*time.Minute))

	It("runs a Deployment's three replicas on the node", func(ctx SpecContext) {
		out, err := shoot(ctx, "create", "deployment", "web", "--image=registry.k8s.io/pause:3.10", "--replicas=3")
		Expect(err).NotTo(HaveOccurred(), out)
		Eventually(runningPods(ctx)).Should(Equal(3))
	}, SpecTimeout(4*time.Minute))

	It("joined the node with bootstrap credentials and a CSR approved in the shoot", func(ctx SpecContext) {
		nodes, err := readyNodes(ctx)()
		Expect(err).NotTo(HaveOccurred())
		Expect(nodes).To(HaveLen(1))
		out, err := shoot(ctx, "get", "csr", "-o", "json")
		Expect(err).NotTo(HaveOccurred())
		var csrs struct {
			Items []struct {
				Spec struct {
					Username   string
					SignerName string
				}
				Status struct {
					Certificate []byte
					Conditions  []struct{ Type, Status string }
				}
			}
		}
		Expect(json.Unmarshal([]byte(out), &csrs)).To(Succeed())
		var found bool
		for _, csr := range csrs.Items {
			if csr.Spec.SignerName != "kubernetes.io/kube-apiserver-client-kubelet" || len(csr.Status.Certificate) == 0 {
				continue
			}
			block, _ := pem.Decode(csr.Status.Certificate)
			Expect(block).NotTo(BeNil())
			cert, err := x509.ParseCertificate(block.Bytes)
			Expect(err).NotTo(HaveOccurred())
			if cert.Subject.CommonName != "system:node:"+nodes[0] {
				continue
			}
			found = true
			Expect(cert.Subject.Organization).To(ConsistOf("system:nodes"))
			// Requested with the bootstrap token from the user data, not with admin
			// credentials, and approved by the shoot's kube-controller-manager.
			Expect(csr.Spec.Username).To(HavePrefix("system:bootstrap:"))
			Expect(csr.Status.Conditions).To(ContainElement(And(
				HaveField("Type", "Approved"), HaveField("Status", "True"))))
		}
		Expect(found).To(BeTrue(), "no issued kubelet client certificate for node %s", nodes[0])
	})

	It("follows the pool's minimum up to 3 nodes and back down to 1", func(ctx SpecContext) {
		setPool(ctx, 3, 3)
		waitSucceeded(ctx)
		Eventually(readyNodes(ctx)).Should(HaveLen(3))
		Expect(count(ctx, "machines.machine.sapcloud.io")()).To(Equal(3))

		setPool(ctx, 1, 2)
		waitSucceeded(ctx)
		Eventually(count(ctx, "machines.machine.sapcloud.io")).Should(Equal(1))
		Eventually(func() (int, error) {
			out, err := shoot(ctx, "get", "nodes", "-o", "name")
			return len(strings.Fields(out)), err
		}).Should(Equal(1))
		Eventually(readyNodes(ctx)).Should(HaveLen(1))
		Eventually(runningPods(ctx)).Should(Equal(3))
	}, SpecTimeout(10*time.Minute))

	It("removes the machines on hibernation and brings nodes and pods back on wake-up", func(ctx SpecContext) {
		out, err := garden(ctx, "-n", namespace, "patch", "shoot", name, "--type=merge", "-p", `{"spec":{"hibernation":{"enabled":true}}}`)
		Expect(err).NotTo(HaveOccurred(), out)
		waitSucceeded(ctx)
		Expect(jsonpath(ctx, "{.status.hibernated}")()).To(Equal("true"))
		Expect(count(ctx, "machines.machine.sapcloud.io")()).To(Equal(0))
		Expect(framework.ProcessesIn(filepath.Join(stateDir, "seeds", "local", technicalID))).To(BeEmpty())

		out, err = garden(ctx, "-n", namespace, "patch", "shoot", name, "--type=merge", "-p", `{"spec":{"hibernation":{"enabled":false}}}`)
		Expect(err).NotTo(HaveOccurred(), out)
		waitSucceeded(ctx)
		Eventually(readyNodes(ctx)).Should(HaveLen(1))
		Eventually(runningPods(ctx)).WithTimeout(4 * time.Minute).Should(Equal(3))
	}, SpecTimeout(12*time.Minute))

	It("deletes the Worker, machines and machine-controller-manager, and leaves nothing in the seed or on disk", func(ctx SpecContext) {
		out, err := garden(ctx, "-n", namespace, "annotate", "shoot", name, "confirmation.gardener.cloud/deletion=true", "--overwrite")
		Expect(err).NotTo(HaveOccurred(), out)
		out, err = garden(ctx, "-n", namespace, "delete", "shoot", name, "--wait=false")
		Expect(err).NotTo(HaveOccurred(), out)
		Eventually(func() string {
			out, _ := garden(ctx, "-n", namespace, "get", "shoot", name, "-o", "name")
			return out
		}).WithTimeout(5 * time.Minute).Should(BeEmpty())
		Eventually(func() string {
			out, _ := garden(ctx, "get", "namespace", technicalID, "-o", "name", "--ignore-not-found")
			return out
		}).Should(BeEmpty())
		Expect(filepath.Join(stateDir, "seeds", "local", technicalID)).NotTo(BeADirectory())
		// No control-plane process, machine-controller-manager or simulated node of the shoot
		// is left; provider-local itself keeps running for the seed.
		Expect(framework.ProcessesIn(filepath.Join(stateDir, "seeds", "local", technicalID))).To(BeEmpty())
	}, SpecTimeout(8*time.Minute))
})
