package cli

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/klog/v2"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/hortus-dev/hortus/extensions/provider-local/node"
	"github.com/hortus-dev/hortus/pkg/componentconfig"
)

func newSimulatedNodeCommand() *cobra.Command {
	var (
		o                         node.Options
		userDataFile, cpu, memory string
		pods                      int
		logLevel, logFormat       string
	)
	cmd := &cobra.Command{
		Use:   "simulated-node",
		Short: "Run a simulated node of provider-local: a Node that runs no containers",
		Long: `Run one SIMULATED node, a machine of provider-local. It is not a kubelet and runs no
containers: it only joins the shoot and tells the API server what a healthy kubelet would.

  boot       writes the files of the machine's #cloud-config user data (--user-data-file)
             below --root-dir, the machine's disk: the bootstrap kubeconfig
             (/var/lib/kubelet/kubeconfig-bootstrap), the cluster CA and the
             KubeletConfiguration (/var/lib/kubelet/config/kubelet).
  bootstrap  like a kubelet's TLS bootstrapping: with the bootstrap token it submits a CSR for
             system:node:<node-name> (signer kubernetes.io/kube-apiserver-client-kubelet),
             which the shoot's kube-controller-manager approves and signs, and keeps the
             certificate in <root-dir>/var/lib/kubelet/pki/kubelet-client-current.pem with a
             kubeconfig in <root-dir>/var/lib/kubelet/kubeconfig. From then on it uses only
             that identity. Restarted on the same --root-dir it reuses the certificate; it
             renews it with its own identity at 80% of its lifetime.
  register   creates or updates its Node: the capacity of --cpu, --memory and --pods (the
             kubelet configuration's maxPods wins; kubeReserved and systemReserved are not
             allocatable), labels (kubernetes.io/hostname, os, arch and --labels, without those
             a node may not set on itself), registerWithTaints, --provider-id, a simulated
             InternalIP, the API server's version as kubelet version, and the conditions
             Ready=True (its message says the node is simulated) and no memory, disk or PID
             pressure.
  heartbeat  renews its Lease in kube-node-lease (nodeLeaseDurationSeconds, default 40s, every
             quarter of it) and the conditions' heartbeats (nodeStatusReportFrequency,
             default 40s).
  pods       watches only the Pods bound to it and reports each as Running and Ready, with a
             simulated Pod IP from its spec.podCIDR; Pods being deleted it deletes at once.

It runs until it gets SIGINT or SIGTERM.`,
		Example: `  # A machine of worker pool "pool-a" of shoot local/dev.
  hortus simulated-node --root-dir .hortus/machines/m-1 --user-data-file user-data.yaml \
    --node-name m-1 --provider-id local:///shoot--local--dev/m-1 \
    --cpu 2 --memory 4Gi --pods 110 --labels worker.gardener.cloud/pool=pool-a`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var errs []error
			if o.RootDir == "" {
				errs = append(errs, errors.New("--root-dir is required: the machine's disk"))
			}
			if userDataFile == "" {
				errs = append(errs, errors.New("--user-data-file is required: the machine's #cloud-config"))
			}
			if o.NodeName == "" {
				errs = append(errs, errors.New("--node-name is required"))
			}
			o.Capacity = corev1.ResourceList{corev1.ResourcePods: *resource.NewQuantity(int64(pods), resource.DecimalSI)}
			for name, value := range map[corev1.ResourceName]string{corev1.ResourceCPU: cpu, corev1.ResourceMemory: memory} {
				q, err := resource.ParseQuantity(value)
				if err != nil {
					errs = append(errs, fmt.Errorf("--%s %q is not a quantity such as 2, 500m or 4Gi", name, value))
					continue
				}
				o.Capacity[name] = q
			}
			if pods <= 0 {
				errs = append(errs, fmt.Errorf("--pods must be positive, got %s", strconv.Itoa(pods)))
			}
			if err := errors.Join(errs...); err != nil {
				return err
			}
			var err error
			if o.UserData, err = os.ReadFile(userDataFile); err != nil {
				return fmt.Errorf("reading the user data: %w", err)
			}
			log, err := componentconfig.NewLogger(logLevel, logFormat, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			logf.SetLogger(log)
			klog.SetLogger(log)
			return node.Run(cmd.Context(), log.WithName("simulated-node"), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.RootDir, "root-dir", "", "The machine's disk: the user data's files and the node's credentials go below it; required")
	f.StringVar(&userDataFile, "user-data-file", "", "The machine's #cloud-config user data, with the bootstrap kubeconfig; required")
	f.StringVar(&o.NodeName, "node-name", "", "Name of the Node; required")
	f.StringVar(&o.ProviderID, "provider-id", "", "spec.providerID of the Node, such as local:///shoot--<project>--<shoot>/<machine>")
	f.StringVar(&o.InternalIP, "internal-ip", "", "Simulated InternalIP of the Node (default: an address in 10.250.0.0/16 derived from --node-name); nothing listens on it")
	f.StringVar(&cpu, "cpu", "2", "CPU capacity of the Node")
	f.StringVar(&memory, "memory", "4Gi", "Memory capacity of the Node")
	f.IntVar(&pods, "pods", 110, "Pod capacity of the Node (the kubelet configuration's maxPods wins)")
	f.StringToStringVar(&o.Labels, "labels", nil, "Labels of the Node, as k=v,k2=v2")
	f.StringVar(&logLevel, "log-level", "info", "Log level: debug, info or error")
	f.StringVar(&logFormat, "log-format", "json", "Log format: json or text")
	return cmd
}
