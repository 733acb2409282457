package etcdbackup_test

import (
	"context"
	"path/filepath"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"

	"github.com/hortus-dev/hortus/pkg/component"
	etcdcomponent "github.com/hortus-dev/hortus/pkg/component/etcd"
	"github.com/hortus-dev/hortus/pkg/etcdbackup"
)

// restoreEtcd deletes the etcd set, which removes etcd's data dir, and deploys it again
// from cfg: etcd then restores its empty data dir from the backup store, as a shoot's
// etcd does after its data was lost or moved.
func restoreEtcd(ctx context.Context, cfg etcdcomponent.Config) {
	GinkgoHelper()
	Expect(executor.Delete(ctx, etcdSetName)).To(Succeed())
	Expect(filepath.Join(stateDir, "components", etcdSetName)).NotTo(BeADirectory(), "the data dir is gone")
	deploy(ctx, etcdSet(cfg))
}

var _ = Describe("etcd backups", func() {
	It("bring back an object deleted after the snapshot, and revisions never go backwards", func(ctx context.Context) {
		ns, err := admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "backup-"}}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		configMaps := admin.CoreV1().ConfigMaps(ns.Name)
		_, err = configMaps.Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: "precious"},
			Data:       map[string]string{"fruit": "apple"},
		}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())

		snap, err := backup.TakeSnapshot(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(snap.SizeBytes).To(BeNumerically(">", 0))
		Expect(backup.List(ctx)).To(ContainElement(snap))

		Expect(configMaps.Delete(ctx, "precious", metav1.DeleteOptions{})).To(Succeed())
		_, err = configMaps.Get(ctx, "precious", metav1.GetOptions{})
		Expect(err).To(Satisfy(apierrors.IsNotFound))
		resp, err := etcdCli.Get(ctx, "/registry/configmaps/"+ns.Name+"/precious")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.Kvs).To(BeEmpty())
		seenRevision := resp.Header.Revision

		restoreEtcd(ctx, etcdCfg)
		etcdLog := componentLog(ctx, etcdSetName, etcdcomponent.DefaultName)
		Expect(etcdLog).To(ContainSubstring(`"msg":"Restored data dir from snapshot"`))
		Expect(etcdLog).To(ContainSubstring(snap.Name))

		// The running kube-apiserver reconnects and reads the object from etcd ...
		Eventually(ctx, func(g Gomega, ctx context.Context) {
			cm, err := configMaps.Get(ctx, "precious", metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(cm.Data).To(Equal(map[string]string{"fruit": "apple"}))
		}).Should(Succeed())
		// ... and its watch cache, which had seen later revisions, lists afresh: the
		// restored revisions are higher than any it saw.
		Eventually(ctx, func(g Gomega, ctx context.Context) []string {
			list, err := configMaps.List(ctx, metav1.ListOptions{ResourceVersion: "0"})
			g.Expect(err).NotTo(HaveOccurred())
			var names []string
			for _, cm := range list.Items {
				names = append(names, cm.Name)
			}
			return names
		}).Should(ContainElement("precious"))

		created, err := configMaps.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "after"}}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		rv, err := strconv.ParseInt(created.ResourceVersion, 10, 64)
		Expect(err).NotTo(HaveOccurred())
		Expect(rv).To(BeNumerically(">", seenRevision), "revisions do not go backwards")
		Expect(rv).To(BeNumerically(">", int64(etcdbackup.RevisionBump)))
	})

	It("restore a named older snapshot", func(ctx context.Context) {
		key := "/hortus-test/" + rand.String(8)
		_, err := etcdCli.Put(ctx, key, "v1")
		Expect(err).NotTo(HaveOccurred())
		first, err := backup.TakeSnapshot(ctx)
		Expect(err).NotTo(HaveOccurred())
		_, err = etcdCli.Put(ctx, key, "v2")
		Expect(err).NotTo(HaveOccurred())
		second, err := backup.TakeSnapshot(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(second.Time).To(BeTemporally(">", first.Time))
		list, err := backup.List(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(list[len(list)-1]).To(Equal(second), "oldest first")

		cfg := etcdCfg
		b := *cfg.Backup
		b.RestoreSnapshot = first.Name
		cfg.Backup = &b
		restoreEtcd(ctx, cfg)
		Expect(componentLog(ctx, etcdSetName, etcdcomponent.DefaultName)).To(ContainSubstring(first.Name))
		Eventually(ctx, func(g Gomega, ctx context.Context) string {
			resp, err := etcdCli.Get(ctx, key)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(resp.Kvs).To(HaveLen(1))
			return string(resp.Kvs[0].Value)
		}).Should(Equal("v1"))
	})

	It("take snapshots on their schedule and keep the newest", func(ctx context.Context) {
		p, err := portsAll.Allocate("etcdbackup-scheduled", "backup")
		Expect(err).NotTo(HaveOccurred())
		cfg := etcdCfg
		cfg.Name = "scheduled"
		cfg.Backup = &etcdcomponent.BackupConfig{
			StoreDir:      filepath.Join(stateDir, "backups", "scheduled"),
			Port:          p["backup"],
			Schedule:      "@every 1s",
			Keep:          2,
			ClientCertPEM: cluster.EtcdClient.CertPEM,
			ClientKeyPEM:  cluster.EtcdClient.KeyPEM,
		}
		set := component.Set{Name: "scheduled", Components: []component.Component{etcdcomponent.BuildBackup(cfg)}}
		DeferCleanup(func(ctx context.Context) {
			Expect(executor.Delete(ctx, set.Name)).To(Succeed())
		})
		deploy(ctx, set)

		store := etcdbackup.Store{Dir: cfg.Backup.StoreDir}
		seen := map[string]bool{}
		Eventually(func(g Gomega) int {
			list, err := store.List()
			g.Expect(err).NotTo(HaveOccurred())
			// One more than Keep while a new snapshot waits for its prune.
			g.Expect(len(list)).To(BeNumerically("<=", 3))
			for _, s := range list {
				seen[s.Name] = true
			}
			return len(seen)
		}).Should(BeNumerically(">=", 4))
		Eventually(func(g Gomega) []etcdbackup.Snapshot {
			list, err := store.List()
			g.Expect(err).NotTo(HaveOccurred())
			return list
		}).Should(HaveLen(2))

		log := componentLog(ctx, set.Name, cfg.BackupName())
		Expect(log).To(ContainSubstring(`"msg":"Took an etcd snapshot","trigger":"startup"`))
		Expect(log).To(ContainSubstring(`"msg":"Took an etcd snapshot","trigger":"schedule"`))
		Expect(log).To(ContainSubstring(`"msg":"Pruned an etcd snapshot"`))
	})
})
