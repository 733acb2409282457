package shoot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/hortus-dev/hortus/pkg/flow"
	"github.com/hortus-dev/hortus/pkg/shootpki"
)

// operation is one run of a flow on a shoot: what its tasks share. Fields are set by
// newOperation unless their comment says which task sets them.
type operation struct {
	r      *Reconciler
	shoot  *gardencorev1beta1.Shoot
	status *statusWriter
	// technicalID names the seed namespace, the executor's directory and the port owner.
	technicalID string
	ex          Executor

	mu sync.Mutex
	// pki is set by the task "Generating secrets".
	pki *shootpki.PKI
	// ports is set by the task "Reserving ports".
	ports map[string]int
	// cp is set by the task "Describing the control plane".
	cp *controlPlane
	// profile is set by the task "Deploying the Cluster resource".
	profile *gardencorev1beta1.CloudProfileSpec
	// needShoot caches extensionsNeedShoot.
	needShoot *bool
	// backup tells whether the seed has a backup, so that the shoot has a BackupEntry and
	// its etcd a backup sidecar.
	backup bool
	// backupDir is where the shoot's etcd snapshots go; set by the task "Deploying the
	// BackupEntry".
	backupDir string
	// restoreSnapshot is the snapshot being restored; set by the task "Preparing the etcd
	// restore".
	restoreSnapshot string
}

func (r *Reconciler) newOperation(ctx context.Context, shoot *gardencorev1beta1.Shoot) (*operation, error) {
	id := TechnicalID(shoot)
	ex, err := r.Executors.For(id)
	if err != nil {
		return nil, fmt.Errorf("the executor of %s: %w", id, err)
	}
	_, backup, err := r.seedBackup(ctx)
	if err != nil {
		return nil, err
	}
	return &operation{
		backup:      backup,
		r:           r,
		shoot:       shoot,
		technicalID: id,
		ex:          ex,
		status:      newStatusWriter(r.GardenClient, shoot, r.Clock.Now, r.Identity),
	}, nil
}

// run compiles and runs the graph, reporting progress into the shoot's status.
func (o *operation) run(ctx context.Context, g *flow.Graph) error {
	f, err := g.Compile()
	if err != nil {
		return err
	}
	log := logf.FromContext(ctx).WithValues("flow", f.Name())
	progress := newProgressReporter(func(ctx context.Context, s flow.Stats) error {
		return o.status.progress(ctx, s.Percent, s.Running)
	}, o.r.Clock, o.r.ProgressInterval, log)
	defer progress.stop()
	return f.Run(ctx, flow.Opts{
		Log:        log,
		OnProgress: func(s flow.Stats) { progress.report(ctx, s) },
		OnTaskDone: func(task string, d time.Duration, err error) {
			o.r.Metrics.observeTask(f.Name(), task, d, err)
		},
	})
}

// task is a task with the reconciler's default timeout and retries.
func (o *operation) task(name string, fn func(context.Context) error, deps ...flow.TaskID) flow.Task {
	return flow.Task{
		Name:         name,
		Fn:           fn,
		Dependencies: flow.NewTaskIDs(deps...),
		Timeout:      o.r.TaskTimeout,
		Retry:        flow.Backoff{Initial: time.Second, Max: 15 * time.Second},
	}
}

// reconcileGraph creates or reconciles the control plane, and wakes a hibernated one.
func (o *operation) reconcileGraph() *flow.Graph {
	g := flow.NewGraph("Shoot reconciliation")
	ns := g.Add(o.task("Deploying the shoot namespace", o.ensureNamespace))
	cluster := g.Add(o.task("Deploying the Cluster resource", o.ensureCluster, ns))
	secrets := g.Add(o.task("Generating secrets", o.ensureSecrets, ns))
	ports := g.Add(o.task("Reserving ports", o.reservePorts))
	describeDeps := []flow.TaskID{secrets, ports}
	// A shoot whose backup location is known (see knowBackupLocation) keeps its
	// BackupEntry up to date off the critical path, after the kube-apiserver: a wake does
	// not wait for the entry's round trip or share the CPU with it.
	backupEntryDeps := []flow.TaskID{ns}
	if o.backup && o.backupDir == "" {
		describeDeps = append(describeDeps, g.Add(o.task("Waiting for the backup location", o.waitBackupLocation, ns)))
	}
	describe := g.Add(o.task("Describing the control plane", o.describe, describeDeps...))
	etcdDeps := []flow.TaskID{describe}
	restore := o.backup && restoreRequested(o.shoot)
	if restore {
		etcdDeps = []flow.TaskID{g.Add(o.task("Preparing the etcd restore", o.prepareRestore, describe))}
	}
	etcd := g.Add(o.deployTask("Deploying etcd", Etcd, etcdDeps...))
	kasDeps := []flow.TaskID{etcd}
	if restore {
		kasDeps = []flow.TaskID{g.Add(o.task("Recording the etcd restore", o.recordRestore, etcd))}
	}
	kas := g.Add(o.deployTask("Deploying the kube-apiserver", KubeAPIServer, kasDeps...))
	publish := g.Add(o.task("Publishing the CAs to the garden", func(ctx context.Context) error {
		return o.r.publishCAs(ctx, o.shoot, o.pki)
	}, kas))
	kcm := g.Add(o.deployTask("Deploying the kube-controller-manager", KubeControllerManager, kas))
	sched := g.Add(o.deployTask("Deploying the kube-scheduler", KubeScheduler, kas))
	healthy := []flow.TaskID{cluster, publish, kcm, sched}
	if o.backup {
		if o.backupDir != "" {
			backupEntryDeps = append(backupEntryDeps, kas)
		}
		// The sidecar needs only etcd, but starting it with the kube-apiserver would slow
		// the kube-apiserver's start on a small machine.
		healthy = append(healthy,
			g.Add(o.task("Deploying the BackupEntry", o.deployBackupEntry, backupEntryDeps...)),
			g.Add(o.deployTask("Deploying the etcd backup sidecar", EtcdBackup, etcd, kas)))
	}
	if hasWorkers(o.shoot) {
		healthy = append(healthy, o.extensionTasks(g, cluster, secrets, describe, kas)...)
	}
	_ = g.Add(o.task("Waiting until the control plane is healthy", o.waitHealthy, healthy...))
	return g
}

// hibernateGraph stops the control plane and keeps its data and PKI.
func (o *operation) hibernateGraph() *flow.Graph {
	g := flow.NewGraph("Shoot hibernation")
	ns := g.Add(o.task("Deploying the shoot namespace", o.ensureNamespace))
	cluster := g.Add(o.task("Deploying the Cluster resource", o.ensureCluster, ns))
	secrets := g.Add(o.task("Generating secrets", o.ensureSecrets, ns))
	_ = g.Add(o.task("Publishing the CAs to the garden", func(ctx context.Context) error {
		return o.r.publishCAs(ctx, o.shoot, o.pki)
	}, secrets))
	var machinesGone []flow.TaskID
	if hasWorkers(o.shoot) {
		// The Worker of a hibernated shoot asks for no machines; they are gone before the
		// machine-controller-manager and the control plane stop.
		worker := g.Add(o.task("Scaling the Worker down", o.hibernateWorker, cluster))
		machinesGone = append(machinesGone, g.Add(o.stopTask("Stopping the machine-controller-manager", MachineControllerManager, worker)))
	}
	kcm := g.Add(o.stopTask("Stopping the kube-controller-manager", KubeControllerManager, machinesGone...))
	sched := g.Add(o.stopTask("Stopping the kube-scheduler", KubeScheduler, machinesGone...))
	kas := g.Add(o.stopTask("Stopping the kube-apiserver", KubeAPIServer, kcm, sched))
	etcdDeps := []flow.TaskID{kas}
	if o.backup {
		// The snapshot holds the last state: nothing writes once the kube-apiserver stopped.
		ports := g.Add(o.task("Reserving ports", o.reservePorts))
		snapshot := g.Add(o.task("Taking a full snapshot of etcd", o.snapshotBeforeHibernation, kas, secrets, ports))
		etcdDeps = []flow.TaskID{g.Add(o.stopTask("Stopping the etcd backup sidecar", EtcdBackup, snapshot))}
	}
	_ = g.Add(o.stopTask("Stopping etcd", Etcd, etcdDeps...))
	return g
}

// deleteGraph removes every process, data directory, port, seed object and secret of the
// shoot, and its CA objects in the garden.
func (o *operation) deleteGraph() *flow.Graph {
	g := flow.NewGraph("Shoot deletion")
	var extensionsGone []flow.TaskID
	if hasWorkers(o.shoot) {
		extensionsGone = o.deleteWithWorkersTasks(g)
	}
	kcm := g.Add(o.stopTask("Stopping the kube-controller-manager", KubeControllerManager, extensionsGone...))
	sched := g.Add(o.stopTask("Stopping the kube-scheduler", KubeScheduler, extensionsGone...))
	kas := g.Add(o.stopTask("Stopping the kube-apiserver", KubeAPIServer, kcm, sched))
	etcdDeps := []flow.TaskID{kas}
	if o.backup {
		etcdDeps = append(etcdDeps, g.Add(o.stopTask("Stopping the etcd backup sidecar", EtcdBackup)))
	}
	etcd := g.Add(o.stopTask("Stopping etcd", Etcd, etcdDeps...))
	data := g.Add(o.task("Removing the control plane's data and logs", func(ctx context.Context) error {
		return o.r.Executors.Remove(ctx, o.technicalID)
	}, etcd))
	nsDeps := []flow.TaskID{}
	if o.backup {
		// Deleting the BackupEntry deletes the shoot's snapshots.
		nsDeps = append(nsDeps, g.Add(o.task("Deleting the BackupEntry", o.deleteBackupEntry, etcd)))
	}
	ports := g.Add(o.task("Releasing ports", func(context.Context) error {
		return o.r.Ports.Release(o.technicalID)
	}, data))
	cluster := g.Add(o.task("Deleting the Cluster resource", func(ctx context.Context) error {
		return client.IgnoreNotFound(o.r.SeedClient.Delete(ctx, &extensionsv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: o.technicalID}}))
	}, data))
	unpublish := g.Add(o.task("Deleting the CAs from the garden", func(ctx context.Context) error {
		return o.r.unpublishCAs(ctx, o.shoot)
	}, data))
	_ = g.Add(o.task("Deleting the shoot namespace", o.deleteNamespace, append(nsDeps, cluster, ports, unpublish)...))
	return g
}

func (o *operation) deployTask(name, comp string, deps ...flow.TaskID) flow.Task {
	return o.task(name, func(ctx context.Context) error {
		// A component that does not become ready has its log tail in the error; retrying
		// at once rarely helps, so the operation's back-off retries it instead.
		if err := o.ex.Deploy(ctx, o.cp.set(comp)); err != nil {
			return flow.Terminal(err)
		}
		return nil
	}, deps...)
}

func (o *operation) stopTask(name, comp string, deps ...flow.TaskID) flow.Task {
	return o.task(name, func(ctx context.Context) error {
		return o.ex.Stop(ctx, comp)
	}, deps...)
}

func (o *operation) ensureNamespace(ctx context.Context) error {
	return o.r.ensureNamespace(ctx, o.shoot, o.technicalID)
}

func (o *operation) ensureCluster(ctx context.Context) error {
	profile, err := o.r.ensureCluster(ctx, o.shoot, o.technicalID)
	if err != nil {
		return err
	}
	o.mu.Lock()
	o.profile = profile
	o.mu.Unlock()
	return nil
}

func (o *operation) ensureSecrets(ctx context.Context) error {
	names, ips := apiServerHosts()
	p, err := shootpki.Ensure(ctx, o.r.SeedClient, shootpki.Config{
		Namespace:         o.technicalID,
		ServiceCIDR:       serviceCIDR(o.shoot),
		APIServerDNSNames: names,
		APIServerIPs:      ips,
		Clock:             o.r.Clock,
	})
	if err != nil {
		return err
	}
	o.mu.Lock()
	o.pki = p
	o.mu.Unlock()
	return nil
}

func (o *operation) reservePorts(context.Context) error {
	p, err := o.r.Ports.Allocate(o.technicalID, portNames...)
	if err != nil {
		return err
	}
	o.mu.Lock()
	o.ports = p
	o.mu.Unlock()
	return nil
}

func (o *operation) describe(context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	cp, err := buildControlPlane(o.shoot, o.pki, o.ports, o.etcdBackupConfig())
	if err != nil {
		return flow.Terminal(err)
	}
	o.cp = cp
	return nil
}

// waitHealthy waits until the shoot's kube-apiserver answers /readyz for the gardenlet's
// own client certificate and the namespace controller created the default namespaces.
func (o *operation) waitHealthy(ctx context.Context) error {
	c, err := o.shootClient()
	if err != nil {
		return err
	}
	var last error
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		last = c.Get(ctx, client.ObjectKey{Name: "default", Namespace: "default"}, &corev1.ServiceAccount{})
		return last == nil, nil
	})
	if err != nil {
		return fmt.Errorf("the control plane is not healthy: no default ServiceAccount yet (the kube-controller-manager creates it): %w", errors.Join(err, last))
	}
	return nil
}

// shootClient is a client of the shoot's kube-apiserver with the gardenlet's identity.
func (o *operation) shootClient() (client.Client, error) {
	return newShootClient(o.cp.apiServerURL, o.pki)
}

func (o *operation) deleteNamespace(ctx context.Context) error {
	// Emptying the namespace first lets the namespace controller finalize it in one pass
	// instead of deleting its content and coming back later.
	for _, obj := range []client.Object{&corev1.Secret{}, &corev1.ConfigMap{}} {
		if err := o.r.SeedClient.DeleteAllOf(ctx, obj, client.InNamespace(o.technicalID)); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("emptying namespace %s: %w", o.technicalID, err)
		}
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: o.technicalID}}
	if err := o.r.SeedClient.Delete(ctx, ns); err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		err := o.r.SeedClient.Get(ctx, client.ObjectKeyFromObject(ns), ns)
		return apierrors.IsNotFound(err), nil
	})
}

// advertisedAddresses are the shoot's kube-apiserver endpoints, for kubeconfigs.
func (o *operation) advertisedAddresses() []gardencorev1beta1.ShootAdvertisedAddress {
	if o.cp == nil {
		return nil
	}
	return []gardencorev1beta1.ShootAdvertisedAddress{{Name: "external", URL: o.cp.apiServerURL}}
}
