package shoot

import (
	"context"
	"strings"
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	etcdcomponent "github.com/hortus-dev/hortus/pkg/component/etcd"
	"github.com/hortus-dev/hortus/pkg/component/kubecontrollermanager"
	"github.com/hortus-dev/hortus/pkg/etcdbackup"
	"github.com/hortus-dev/hortus/pkg/shootpki"
)

func TestDue(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	op := func(state gardencorev1beta1.LastOperationState, ago time.Duration) *gardencorev1beta1.LastOperation {
		return &gardencorev1beta1.LastOperation{Type: gardencorev1beta1.LastOperationTypeReconcile, State: state, LastUpdateTime: metav1.NewTime(now.Add(-ago))}
	}
	tests := []struct {
		name     string
		mutate   func(s *gardencorev1beta1.Shoot)
		failures int
		wantDue  bool
		wantWait time.Duration
	}{
		{name: "never reconciled", mutate: func(s *gardencorev1beta1.Shoot) { s.Status.LastOperation = nil }, wantDue: true},
		{name: "reconciled, within the sync period", wantWait: 50 * time.Minute},
		{name: "reconciled, sync period over", mutate: func(s *gardencorev1beta1.Shoot) {
			s.Status.LastOperation = op(gardencorev1beta1.LastOperationStateSucceeded, 2*time.Hour)
		}, wantDue: true},
		{name: "new generation", mutate: func(s *gardencorev1beta1.Shoot) { s.Generation = 3 }, wantDue: true},
		{name: "hibernation asked for", mutate: func(s *gardencorev1beta1.Shoot) {
			s.Spec.Hibernation = &gardencorev1beta1.Hibernation{Enabled: ptr.To(true)}
		}, wantDue: true},
		{name: "reconcile annotation", mutate: func(s *gardencorev1beta1.Shoot) {
			s.Annotations = map[string]string{annotationOperation: "reconcile"}
		}, wantDue: true},
		{name: "interrupted operation resumes", mutate: func(s *gardencorev1beta1.Shoot) {
			s.Status.LastOperation = op(gardencorev1beta1.LastOperationStateProcessing, time.Minute)
		}, wantDue: true},
		{name: "error, back-off not over", failures: 3, mutate: func(s *gardencorev1beta1.Shoot) {
			s.Status.LastOperation = op(gardencorev1beta1.LastOperationStateError, 5*time.Second)
		}, wantWait: 15 * time.Second},
		{name: "error, back-off over", failures: 1, mutate: func(s *gardencorev1beta1.Shoot) {
			s.Status.LastOperation = op(gardencorev1beta1.LastOperationStateError, 6*time.Second)
		}, wantDue: true},
		{name: "failed waits for a change", mutate: func(s *gardencorev1beta1.Shoot) {
			s.Status.LastOperation = op(gardencorev1beta1.LastOperationStateFailed, time.Hour)
		}, wantWait: time.Hour},
		{name: "failed, retry annotation", mutate: func(s *gardencorev1beta1.Shoot) {
			s.Status.LastOperation = op(gardencorev1beta1.LastOperationStateFailed, time.Hour)
			s.Annotations = map[string]string{annotationOperation: "retry"}
		}, wantDue: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			s := &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Name: "s", UID: "u", Generation: 2}}
			s.Status.ObservedGeneration = 2
			s.Status.LastOperation = op(gardencorev1beta1.LastOperationStateSucceeded, 10*time.Minute)
			if tt.mutate != nil {
				tt.mutate(s)
			}
			r := &Reconciler{Clock: clocktesting.NewFakeClock(now), SyncPeriod: time.Hour}
			if tt.failures > 0 {
				r.failing = map[types.UID]failures{"u": {since: now, count: tt.failures}}
			}
			due, wait := r.due(s)
			g.Expect(due).To(Equal(tt.wantDue))
			if !tt.wantDue {
				g.Expect(wait).To(Equal(tt.wantWait))
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	g := NewWithT(t)
	g.Expect([]time.Duration{backoff(1), backoff(2), backoff(3), backoff(10)}).To(Equal([]time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 5 * time.Minute}))
}

func TestBuildControlPlane(t *testing.T) {
	g := NewWithT(t)
	p, err := shootpki.Ensure(context.Background(), fake.NewClientBuilder().Build(), shootpki.Config{Namespace: "shoot--p--s", ServiceCIDR: "100.64.0.0/13"})
	g.Expect(err).NotTo(HaveOccurred())
	shoot := &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "garden-p"}}
	shoot.Spec.Kubernetes.Version = "1.36.3"
	shoot.Spec.Kubernetes.KubeAPIServer = &gardencorev1beta1.KubeAPIServerConfig{
		KubernetesConfig: gardencorev1beta1.KubernetesConfig{FeatureGates: map[string]bool{"B": false, "A": true}},
		RuntimeConfig:    map[string]bool{"x.example.com/v1": true},
	}
	ports := map[string]int{"etcd-client": 1, "etcd-peer": 2, "etcd-metrics": 3, "kube-apiserver": 4, "kube-controller-manager": 5, "kube-scheduler": 6}
	cp, err := buildControlPlane(shoot, p, ports, nil)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cp.apiServerURL).To(Equal("https://127.0.0.1:4"))
	g.Expect(cp.components).To(HaveLen(4))
	kas := cp.components[KubeAPIServer]
	g.Expect(kas.Binary).To(Equal("kube-apiserver@v1.36.3"))
	g.Expect(kas.Args).To(ContainElements("--feature-gates=A=true,B=false", "--runtime-config=x.example.com/v1=true"))
	g.Expect(cp.components[KubeControllerManager].Binary).To(Equal("kube-controller-manager@v1.36.3"))
	g.Expect(cp.set(Etcd).Components).To(HaveLen(1))

	again, err := buildControlPlane(shoot, p, ports, nil)
	g.Expect(err).NotTo(HaveOccurred())
	for name, comp := range cp.components {
		g.Expect(again.components[name].Hash()).To(Equal(comp.Hash()), "%s: the same shoot gives the same description", name)
	}
	g.Expect(TechnicalID(shoot)).To(Equal("shoot--p--s"))

	// A workerless shoot runs the kube-controller-manager without node and workload
	// controllers; a shoot with a pool runs all of them.
	g.Expect(cp.components[KubeControllerManager].Args).To(ContainElement("--controllers=" + strings.Join(kubecontrollermanager.WorkerlessControllers, ",")))
	shoot.Spec.Provider.Workers = []gardencorev1beta1.Worker{{Name: "pool", Minimum: 1, Maximum: 1}}
	withWorkers, err := buildControlPlane(shoot, p, ports, nil)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(withWorkers.components[KubeControllerManager].Args).To(ContainElements(
		"--controllers=*,bootstrap-signer-controller,token-cleaner-controller",
		"--allocate-node-cidrs=true", "--cluster-cidr=100.96.0.0/11"))

	// On a seed with a backup, etcd restores an empty data dir from the shoot's
	// BackupEntry, and a sidecar snapshots it.
	ports[EtcdBackupPort] = 7
	withBackup, err := buildControlPlane(shoot, p, ports, &etcdcomponent.BackupConfig{StoreDir: "/backups/entry", Schedule: "0 22 * * *", Port: 7})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(withBackup.components).To(HaveLen(5))
	g.Expect(withBackup.components[Etcd].Args).To(ContainElement("--restore-from-dir=/backups/entry"))
	sidecar := withBackup.components[EtcdBackup]
	g.Expect(sidecar.Name).To(Equal(EtcdBackup))
	g.Expect(sidecar.Args).To(ContainElements("--store-dir=/backups/entry", "--schedule=0 22 * * *", "--port=7"))
	g.Expect(withBackup.components[KubeAPIServer].Hash()).To(Equal(withWorkers.components[KubeAPIServer].Hash()), "backups change nothing but etcd")
}

func TestSnapshotMissing(t *testing.T) {
	g := NewWithT(t)
	snaps := []etcdbackup.Snapshot{{Name: "full-a.db"}, {Name: "full-b.db"}}
	g.Expect(snapshotMissing(nil, "")).To(ContainSubstring("no etcd snapshot yet"))
	g.Expect(snapshotMissing(snaps, "")).To(BeEmpty())
	g.Expect(snapshotMissing(snaps, "full-a.db")).To(BeEmpty())
	g.Expect(snapshotMissing(snaps, "full-c.db")).To(And(ContainSubstring(`no etcd snapshot "full-c.db"`), ContainSubstring("full-a.db, full-b.db")))
}

func TestShootsMetric(t *testing.T) {
	g := NewWithT(t)
	scheme := runtime.NewScheme()
	g.Expect(gardencorev1beta1.AddToScheme(scheme)).To(Succeed())
	shoot := func(name string, state gardencorev1beta1.LastOperationState, hibernated bool) *gardencorev1beta1.Shoot {
		s := &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "garden-p"}}
		if state != "" {
			s.Status.LastOperation = &gardencorev1beta1.LastOperation{State: state}
		}
		s.Status.IsHibernated = hibernated
		return s
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		shoot("a", gardencorev1beta1.LastOperationStateSucceeded, false),
		shoot("b", gardencorev1beta1.LastOperationStateSucceeded, false),
		shoot("c", gardencorev1beta1.LastOperationStateSucceeded, true),
		shoot("d", gardencorev1beta1.LastOperationStateError, false),
		shoot("e", "", false),
	).Build()
	reg := prometheus.NewPedanticRegistry()
	_, err := NewMetrics(reg, c)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP hortus_gardenlet_shoots Shoots on the gardenlet's seed by the state of their last operation (None before the first) and by hibernation.
# TYPE hortus_gardenlet_shoots gauge
hortus_gardenlet_shoots{hibernated="false",state="Error"} 1
hortus_gardenlet_shoots{hibernated="false",state="None"} 1
hortus_gardenlet_shoots{hibernated="false",state="Succeeded"} 2
hortus_gardenlet_shoots{hibernated="true",state="Succeeded"} 1
`), "hortus_gardenlet_shoots")).To(Succeed())
}
