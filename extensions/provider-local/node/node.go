package node

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	authenticationv1 "k8s.io/api/authentication/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
)

// Heartbeat defaults, a kubelet's: a Lease of 40s renewed every quarter of it.
const (
	defaultLeaseDuration = 40 * time.Second
	// defaultStatusReportInterval is how often the Ready condition's heartbeat is
	// refreshed when the kubelet configuration sets no nodeStatusReportFrequency.
	defaultStatusReportInterval = 40 * time.Second
	// certificateCheckInterval is how often the node checks whether its client
	// certificate is due for renewal.
	certificateCheckInterval = time.Minute
	maxRetryInterval         = 30 * time.Second
)

// Options describe a simulated node.
type Options struct {
	// RootDir is the machine's disk: the user data files are written below it (RootDir +
	// path), and the node keeps its own credentials there (ClientCertPath,
	// KubeconfigPath). A node restarted on the same RootDir reuses its certificate.
	RootDir string
	// UserData is the machine's #cloud-config (package userdata). It must hold the
	// bootstrap kubeconfig and may hold a KubeletConfiguration.
	UserData []byte
	// NodeName names the Node.
	NodeName string
	// ProviderID is the Node's spec.providerID, e.g. local:///shoot--p--s/<machine>.
	ProviderID string
	// Capacity is the Node's capacity (cpu, memory, pods); allocatable is capacity less the
	// kubelet configuration's kubeReserved and systemReserved, and its maxPods, when set,
	// overrides pods.
	Capacity corev1.ResourceList
	// Labels are added to the Node's labels. Those the NodeRestriction admission plugin
	// forbids a node to set (kubernetes.io and k8s.io keys other than a kubelet's, such as
	// node-role.kubernetes.io/ and node-restriction.kubernetes.io/) are dropped with a log.
	Labels map[string]string
	// InternalIP is the Node's simulated InternalIP address and the Pods' host IP; when
	// empty, an address in 10.250.0.0/16 derived from NodeName. Nothing listens on it.
	InternalIP string
	// Clock is the real clock when nil.
	Clock clock.Clock
}

func (o Options) validate() error {
	var errs []error
	if o.RootDir == "" {
		errs = append(errs, errors.New("a root directory is required"))
	}
	if len(o.UserData) == 0 {
		errs = append(errs, errors.New("user data is required"))
	}
	if o.NodeName == "" {
		errs = append(errs, errors.New("a node name is required"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("simulated node: %w", err)
	}
	return nil
}

// node is a running simulated node.
type node struct {
	log    logr.Logger
	clock  clock.Clock
	client kubernetes.Interface
	creds  *credentials
	spec   spec
	ips    *podIPs

	leaseDuration  time.Duration
	reportInterval time.Duration
	lease          *coordinationv1.Lease
}

// Run runs a simulated node until ctx is done. It writes the user data's files below
// Options.RootDir, gets the node a client certificate like a kubelet's TLS bootstrapping
// (or reuses the stored one), registers the Node, renews its Lease in kube-node-lease,
// refreshes its conditions, and reports the Pods bound to it as Running without running
// anything; Pods being deleted it deletes for good. Failures to reach the API server are
// retried with back-off; Run returns an error only for options or user data it cannot use,
// and nil once ctx is done.
func Run(ctx context.Context, log logr.Logger, opts Options) error {
	if err := opts.validate(); err != nil {
		return err
	}
	clk := opts.Clock
	if clk == nil {
		clk = clock.RealClock{}
	}
	log = log.WithValues("node", opts.NodeName)

	cc, err := writeUserData(opts.RootDir, opts.UserData)
	if err != nil {
		return err
	}
	kc, err := kubeletConfig(cc)
	if err != nil {
		return err
	}
	if kc.RegisterNode != nil && !*kc.RegisterNode {
		return errors.New("the kubelet configuration sets registerNode: false, but a simulated node exists only as its Node: remove the setting")
	}
	bootstrap, err := bootstrapConfig(opts.RootDir, cc)
	if err != nil {
		return err
	}
	version, err := kubeletVersion(cc)
	if err != nil {
		return err
	}
	capacity, allocatable, err := resources(opts.Capacity, kc)
	if err != nil {
		return err
	}
	labels, dropped := nodeLabels(opts.NodeName, opts.Labels)
	if len(dropped) > 0 {
		log.Info("Dropped labels a node may not set on itself", "labels", dropped)
	}
	n := &node{
		log:   log,
		clock: clk,
		creds: &credentials{root: opts.RootDir, nodeName: opts.NodeName, clock: clk, server: bootstrap.Host, caData: bootstrap.CAData},
		spec: spec{
			name:        opts.NodeName,
			providerID:  opts.ProviderID,
			labels:      labels,
			taints:      kc.RegisterWithTaints,
			capacity:    capacity,
			allocatable: allocatable,
			internalIP:  cmp.Or(opts.InternalIP, simulatedInternalIP(opts.NodeName)),
			// The pool's version from the user data; else, once joined, the API server's.
			kubeletVersion: version,
		},
		ips:            newPodIPs(fallbackPodCIDR(opts.NodeName)),
		leaseDuration:  defaultLeaseDuration,
		reportInterval: cmp.Or(kc.NodeStatusReportFrequency.Duration, defaultStatusReportInterval),
	}
	if kc.NodeLeaseDurationSeconds > 0 {
		n.leaseDuration = time.Duration(kc.NodeLeaseDurationSeconds) * time.Second
	}

	newBootstrapClient := func() (kubernetes.Interface, error) { return kubernetes.NewForConfig(bootstrap) }
	if !n.retry(ctx, "Could not join the cluster", func() error { return n.join(ctx, newBootstrapClient) }) {
		return nil // Stopped before joining.
	}
	if !n.retry(ctx, "Could not register the node", func() error { return n.register(ctx) }) {
		return nil
	}
	log.Info("Simulated node registered", "internalIP", n.spec.internalIP, "kubeletVersion", n.spec.kubeletVersion)

	p, err := newPods(log.WithName("pods"), n.client, clk, opts.NodeName, n.spec.internalIP, n.ips)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	wg.Go(func() { _ = p.run(ctx) })
	n.heartbeat(ctx, newBootstrapClient)
	wg.Wait()
	return nil
}

// join makes sure the node has valid credentials, checks them and sets the client and the
// kubelet version. Credentials the API server rejects are dropped and bootstrapped anew.
func (n *node) join(ctx context.Context, newBootstrapClient func() (kubernetes.Interface, error)) error {
	if _, err := n.creds.ensure(ctx, n.log, newBootstrapClient); err != nil {
		return err
	}
	client, err := n.creds.nodeClient()
	if err != nil {
		return err
	}
	review, err := client.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if apierrors.IsUnauthorized(err) {
		n.log.Info("The API server rejects the stored client certificate, bootstrapping again")
		return errors.Join(fmt.Errorf("checking the node's credentials: %w", err), n.creds.forget())
	}
	if err != nil {
		return fmt.Errorf("checking the node's credentials: %w", err)
	}
	if got := review.Status.UserInfo.Username; got != n.creds.userName() {
		return fmt.Errorf("the node's client certificate authenticates as %q, not %q", got, n.creds.userName())
	}
	n.client = client
	if n.spec.kubeletVersion == "" {
		version, err := client.Discovery().ServerVersion()
		if err != nil {
			return fmt.Errorf("reading the API server's version: %w", err)
		}
		n.spec.kubeletVersion = version.GitVersion
	}
	return nil
}

// register creates the Node, or adds the node's labels and provider ID to an existing one,
// and reports its status.
func (n *node) register(ctx context.Context) error {
	nodes := n.client.CoreV1().Nodes()
	existing, err := nodes.Get(ctx, n.spec.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		created, err := nodes.Create(ctx, buildNode(n.spec, metav1.NewTime(n.clock.Now())), metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("creating node %s: %w", n.spec.name, err)
		}
		// Status is ignored on create.
		return n.updateStatus(ctx, created)
	}
	if err != nil {
		return fmt.Errorf("reading node %s: %w", n.spec.name, err)
	}
	if mergeMeta(existing, n.spec) {
		if existing, err = nodes.Update(ctx, existing, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("updating node %s: %w", n.spec.name, err)
		}
	}
	return n.updateStatus(ctx, existing)
}

// updateStatus writes the node's status to current, retrying on conflicts, and learns
// the Pod range the cluster assigned.
func (n *node) updateStatus(ctx context.Context, current *corev1.Node) error {
	nodes := n.client.CoreV1().Nodes()
	return retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		if current == nil {
			var err error
			if current, err = nodes.Get(ctx, n.spec.name, metav1.GetOptions{}); err != nil {
				return err
			}
		}
		setStatus(current, n.spec, metav1.NewTime(n.clock.Now()))
		updated, err := nodes.UpdateStatus(ctx, current, metav1.UpdateOptions{})
		if err != nil {
			current = nil
			return fmt.Errorf("updating the status of node %s: %w", n.spec.name, err)
		}
		return n.ips.setCIDR(updated.Spec.PodCIDR)
	})
}

// heartbeat renews the Lease, refreshes the Node's status and renews the client
// certificate when due, until ctx is done.
func (n *node) heartbeat(ctx context.Context, newBootstrapClient func() (kubernetes.Interface, error)) {
	leaseEvery := n.leaseDuration / 4
	leaseTimer := n.clock.NewTimer(leaseEvery)
	defer leaseTimer.Stop()
	statusTimer := n.clock.NewTimer(n.reportInterval)
	defer statusTimer.Stop()
	certTimer := n.clock.NewTimer(certificateCheckInterval)
	defer certTimer.Stop()
	n.renewLease(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-leaseTimer.C():
			leaseTimer.Reset(leaseEvery)
			n.renewLease(ctx)
			if !n.ips.hasAssignedCIDR() {
				// The kube-controller-manager may assign a Pod range after registration.
				if nd, err := n.client.CoreV1().Nodes().Get(ctx, n.spec.name, metav1.GetOptions{}); err == nil {
					if err := n.ips.setCIDR(nd.Spec.PodCIDR); err != nil {
						n.log.Error(err, "Ignoring the node's pod CIDR")
					}
				}
			}
		case <-statusTimer.C():
			statusTimer.Reset(n.reportInterval)
			if err := n.register(ctx); err != nil && ctx.Err() == nil {
				n.log.Error(err, "Could not report the node's status")
			}
		case <-certTimer.C():
			certTimer.Reset(certificateCheckInterval)
			if _, err := n.creds.ensure(ctx, n.log, newBootstrapClient); err != nil && ctx.Err() == nil {
				n.log.Error(err, "Could not renew the client certificate")
			}
		}
	}
}

// renewLease creates or renews the Lease kube-node-lease/<node>, owned by the Node.
func (n *node) renewLease(ctx context.Context) {
	if err := n.tryRenewLease(ctx); err != nil && ctx.Err() == nil {
		n.lease = nil
		n.log.Error(err, "Could not renew the node lease")
	}
}

func (n *node) tryRenewLease(ctx context.Context) error {
	leases := n.client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	now := metav1.NewMicroTime(n.clock.Now())
	if n.lease == nil {
		l, err := leases.Get(ctx, n.spec.name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			l = &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: n.spec.name, Namespace: corev1.NamespaceNodeLease}}
		case err != nil:
			return fmt.Errorf("reading the node lease: %w", err)
		}
		n.lease = l
	}
	l := n.lease.DeepCopy()
	l.Spec.HolderIdentity = ptr.To(n.spec.name)
	l.Spec.LeaseDurationSeconds = ptr.To(int32(n.leaseDuration / time.Second))
	l.Spec.RenewTime = &now
	if len(l.OwnerReferences) == 0 {
		if nd, err := n.client.CoreV1().Nodes().Get(ctx, n.spec.name, metav1.GetOptions{}); err == nil {
			l.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: nd.Name, UID: nd.UID}}
		}
	}
	var err error
	if l.ResourceVersion == "" {
		l, err = leases.Create(ctx, l, metav1.CreateOptions{})
	} else {
		l, err = leases.Update(ctx, l, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("renewing the node lease: %w", err)
	}
	n.lease = l
	return nil
}

// retry calls fn until it succeeds, waiting from 1s up to 30s between attempts and logging
// failures with msg. It returns false when ctx is done first.
func (n *node) retry(ctx context.Context, msg string, fn func() error) bool {
	wait := time.Second
	for {
		err := fn()
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		n.log.Error(err, msg, "retryIn", wait.String())
		select {
		case <-ctx.Done():
			return false
		case <-n.clock.After(wait):
		}
		wait = min(2*wait, maxRetryInterval)
	}
}
