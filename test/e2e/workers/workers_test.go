package workers_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
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
	// machineClasses returns the class of each machine of the shoot, by machine name.
	machineClasses := func(ctx context.Context) (map[string]string, error) {
		out, err := garden(ctx, "-n", technicalID, "get", "machines.machine.sapcloud.io", "-o", `jsonpath={range .items[*]}{.metadata.name}={.spec.class.name}{"\n"}{end}`)
		if err != nil {
			return nil, err
		}
		classes := map[string]string{}
		for _, l := range strings.Fields(out) {
			m, class, _ := strings.Cut(l, "=")
			classes[m] = class
		}
		return classes, nil
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

	It("comes back after hortus down and up with the same node Ready and its pods Running", func(ctx SpecContext) {
		before, err := readyNodes(ctx)()
		Expect(err).NotTo(HaveOccurred())
		Expect(before).To(HaveLen(1))
		out, err := cli.Hortus(ctx, "down", "--state-dir", stateDir)
		Expect(err).NotTo(HaveOccurred(), out)
		machines := filepath.Join(stateDir, "seeds", "local", technicalID, "machines")
		Expect(framework.ProcessesIn(machines)).To(BeEmpty(), "hortus down stopped the machine")
		out, err = cli.Hortus(ctx, "up", "--state-dir", stateDir)
		Expect(err).NotTo(HaveOccurred(), out)
		// The stopped machine is started again, not replaced: machine-controller-manager
		// would replace it only after its 2-minute health timeout, with a new name. The
		// node's Ready status alone could be stale (the kube-controller-manager marks a
		// silent node only after its grace period), so the machine's process must run.
		Eventually(func() ([]string, error) { return framework.ProcessesIn(machines) }).WithTimeout(90 * time.Second).ShouldNot(BeEmpty())
		Eventually(readyNodes(ctx)).WithTimeout(90 * time.Second).Should(Equal(before))
		Eventually(runningPods(ctx)).WithTimeout(90 * time.Second).Should(Equal(3))
		waitSucceeded(ctx)
	}, SpecTimeout(5*time.Minute))

	It("follows the pool's minimum up to 3 nodes", func(ctx SpecContext) {
		setPool(ctx, 3, 3)
		waitSucceeded(ctx)
		Eventually(readyNodes(ctx)).Should(HaveLen(3))
		Expect(count(ctx, "machines.machine.sapcloud.io")()).To(Equal(3))
	}, SpecTimeout(6*time.Minute))

	It("rolls the 3 machines to a new machine image version one at a time, within maxSurge 1 and maxUnavailable 0", func(ctx SpecContext) {
		deployment := technicalID + "-local-z1"
		md := func() (string, error) {
			return garden(ctx, "-n", technicalID, "get", "machinedeployment", deployment, "-o",
				`jsonpath={.spec.replicas} {.spec.strategy.rollingUpdate.maxSurge} {.spec.strategy.rollingUpdate.maxUnavailable} {.spec.template.spec.class.name}`)
		}
		out, err := md()
		Expect(err).NotTo(HaveOccurred())
		var replicas, maxSurge, maxUnavailable int
		var oldClass string
		_, err = fmt.Sscan(out, &replicas, &maxSurge, &maxUnavailable, &oldClass)
		Expect(err).NotTo(HaveOccurred(), out)
		Expect([]int{replicas, maxSurge, maxUnavailable}).To(Equal([]int{3, 1, 0}), "the example pool's maxSurge and maxUnavailable at 3 machines")
		oldMachines, err := machineClasses(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(oldMachines).To(HaveLen(3))
		oldNodes, err := readyNodes(ctx)()
		Expect(err).NotTo(HaveOccurred())
		Expect(oldNodes).To(HaveLen(3))

		By("watching every change of the machines")
		check := &framework.RollingUpdateCheck{Replicas: replicas, MaxSurge: maxSurge, MaxUnavailable: maxUnavailable}
		watchCtx, stop := context.WithCancel(ctx)
		defer stop()
		watchMachines(watchCtx, check)
		Expect(check.Arm()).To(Succeed(), "3 Running machines in machine sets of 3 before the roll")

		By("updating the pool's machine image to the CloudProfile's preview version 1.1.0")
		out, err = garden(ctx, "-n", namespace, "patch", "shoot", name, "--type=json", "-p",
			`[{"op":"test","path":"/spec/provider/workers/0/machine/image","value":{"name":"local","version":"1.0.0"}},`+
				`{"op":"replace","path":"/spec/provider/workers/0/machine/image/version","value":"1.1.0"}]`)
		Expect(err).NotTo(HaveOccurred(), out)
		waitSucceeded(ctx)

		By("finding every machine on the new class, and the old machines, nodes and class gone")
		out, err = md()
		Expect(err).NotTo(HaveOccurred())
		newClass := out[strings.LastIndex(out, " ")+1:]
		Expect(newClass).NotTo(Equal(oldClass))
		machines, err := machineClasses(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(machines).To(HaveLen(3))
		for m, class := range machines {
			Expect(class).To(Equal(newClass), m)
			Expect(oldMachines).NotTo(HaveKey(m))
		}
		Eventually(readyNodes(ctx)).Should(And(HaveLen(3), Not(ContainElement(BeElementOf(oldNodes)))))
		Expect(garden(ctx, "-n", technicalID, "get", "machineclass", oldClass, "--ignore-not-found", "-o", "name")).To(BeEmpty(), "the old MachineClass")
		Eventually(runningPods(ctx)).Should(Equal(3))

		stop()
		GinkgoWriter.Printf("Checked %d events, at most %d replicas in the machine sets and %d active machines\n", check.Events(), check.MaxReplicas(), check.MaxActive())
		Expect(check.Violations()).To(BeEmpty())
		// maxUnavailable 0 leaves no other way than to surge: the machine sets reached the 4th machine.
		Expect(check.MaxReplicas()).To(Equal(replicas+maxSurge), "the machine sets never surged")
		Expect(check.MaxActive()).To(BeNumerically(">=", replicas+maxSurge), "the watch saw no 4th machine")
	}, SpecTimeout(8*time.Minute))

	It("follows the pool's minimum back down to 1 node", func(ctx SpecContext) {
		setPool(ctx, 1, 2)
		waitSucceeded(ctx)
		Eventually(count(ctx, "machines.machine.sapcloud.io")).Should(Equal(1))
		Eventually(func() (int, error) {
			out, err := shoot(ctx, "get", "nodes", "-o", "name")
			return len(strings.Fields(out)), err
		}).Should(Equal(1))
		Eventually(readyNodes(ctx)).Should(HaveLen(1))
		Eventually(runningPods(ctx)).Should(Equal(3))
	}, SpecTimeout(6*time.Minute))

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

	It("keeps provider-local installed while the shoot needs it, after its ControllerRegistration is deleted", func(ctx SpecContext) {
		inst, err := providerLocalInstallation(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(inst).NotTo(BeNil(), "provider-local's ControllerInstallation on seed local")
		Expect(framework.ProcessesIn(extensionsDir())).NotTo(BeEmpty(), "provider-local's process")

		// The seed is of provider type local itself, so it requires provider-local for as
		// long as the registration exists; a registration that controls its kinds primarily
		// may have no seed selector.
		By("deleting the ControllerRegistration provider-local")
		out, err := garden(ctx, "delete", "controllerregistration", "provider-local", "--wait=false")
		Expect(err).NotTo(HaveOccurred(), out)

		By("keeping the installation, and saying why")
		Eventually(func(g Gomega) {
			inst, err := providerLocalInstallation(ctx)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(inst).NotTo(BeNil())
			g.Expect(inst.Status.Conditions).To(ContainElement(And(
				HaveField("Type", "Required"), HaveField("Status", "True"), HaveField("Reason", "NeededByShoots"),
				HaveField("Message", ContainSubstring("still needed by shoot garden-local/local")),
			)))
		}).Should(Succeed())
		Consistently(func(g Gomega) {
			inst, err := providerLocalInstallation(ctx)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(inst).NotTo(BeNil())
			g.Expect(inst.Metadata.DeletionTimestamp).To(BeEmpty())
			g.Expect(framework.ProcessesIn(extensionsDir())).NotTo(BeEmpty())
			// The registration waits for its installation.
			g.Expect(garden(ctx, "get", "controllerregistration", "provider-local", "-o", "jsonpath={.metadata.deletionTimestamp}")).NotTo(BeEmpty())
		}, "5s").Should(Succeed())
	}, SpecTimeout(5*time.Minute))

	It("deletes the Worker, machines and machine-controller-manager, and leaves nothing in the seed or on disk", func(ctx SpecContext) {
		controlPlane := filepath.Join(stateDir, "seeds", "local", technicalID)
		etcdPID, err := framework.PID(controlPlane, "etcd", "etcd")
		Expect(err).NotTo(HaveOccurred())
		out, err := garden(ctx, "-n", namespace, "annotate", "shoot", name, "confirmation.gardener.cloud/deletion=true", "--overwrite")
		Expect(err).NotTo(HaveOccurred(), out)
		out, err = garden(ctx, "-n", namespace, "delete", "shoot", name, "--wait=false")
		Expect(err).NotTo(HaveOccurred(), out)
		etcdPIDs := map[int]bool{etcdPID: true}
		Eventually(func() string {
			if pid, err := framework.PID(controlPlane, "etcd", "etcd"); err == nil {
				etcdPIDs[pid] = true
			}
			out, _ := garden(ctx, "-n", namespace, "get", "shoot", name, "-o", "name")
			return out
		}).WithTimeout(5 * time.Minute).Should(BeEmpty())
		// The deletion uses the running etcd as it is, instead of restarting it with another
		// description.
		Expect(etcdPIDs).To(Equal(map[int]bool{etcdPID: true}), "etcd's processes during the deletion")
		Eventually(func() string {
			out, _ := garden(ctx, "get", "namespace", technicalID, "-o", "name", "--ignore-not-found")
			return out
		}).Should(BeEmpty())
		Expect(filepath.Join(stateDir, "seeds", "local", technicalID)).NotTo(BeADirectory())
		// No control-plane process, machine-controller-manager or simulated node of the shoot
		// is left.
		Expect(framework.ProcessesIn(filepath.Join(stateDir, "seeds", "local", technicalID))).To(BeEmpty())
	}, SpecTimeout(8*time.Minute))

	It("uninstalls provider-local from the seed once the shoot is gone", func(ctx SpecContext) {
		Eventually(func(g Gomega) {
			inst, err := providerLocalInstallation(ctx)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(inst).To(BeNil())
		}).Should(Succeed(), "provider-local's ControllerInstallation on seed local")
		Eventually(func() (string, error) {
			return garden(ctx, "get", "controllerregistration", "provider-local", "--ignore-not-found", "-o", "name")
		}).Should(BeEmpty(), "the deleted ControllerRegistration, released by its last installation")
		Expect(framework.ProcessesIn(extensionsDir())).To(BeEmpty(), "provider-local's process")
		// The objects of the chart charts/provider-local.
		for _, obj := range []string{
			"namespace/extension-provider-local",
			"clusterrole.rbac.authorization.k8s.io/extensions.gardener.cloud:provider-local",
			"clusterrolebinding.rbac.authorization.k8s.io/extensions.gardener.cloud:provider-local",
		} {
			Eventually(func() (string, error) {
				return garden(ctx, "get", obj, "--ignore-not-found", "-o", "name")
			}).Should(BeEmpty(), obj)
		}
	}, SpecTimeout(4*time.Minute))
})

// extensionsDir is where the seed local's gardenlet runs the extensions' processes.
func extensionsDir() string {
	return filepath.Join(stateDir, "seeds", "local", "extensions")
}

// installation is what the suite reads of a ControllerInstallation.
type installation struct {
	Metadata struct {
		Name              string
		DeletionTimestamp string
	}
	Spec struct {
		RegistrationRef struct{ Name string }
		SeedRef         struct{ Name string }
	}
	Status struct {
		Conditions []struct{ Type, Status, Reason, Message string }
	}
}

// providerLocalInstallation returns the ControllerInstallation of provider-local on seed
// local, or nil when there is none.
func providerLocalInstallation(ctx context.Context) (*installation, error) {
	out, err := garden(ctx, "get", "controllerinstallations", "-o", "json")
	if err != nil {
		return nil, err
	}
	var list struct{ Items []installation }
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		return nil, err
	}
	for i := range list.Items {
		inst := &list.Items[i]
		if inst.Spec.RegistrationRef.Name == "provider-local" && inst.Spec.SeedRef.Name == "local" {
			return inst, nil
		}
	}
	return nil, nil
}
