package shoot

import (
	"context"
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/hortus-dev/hortus/extensions/pkg/backupentry"
	"github.com/hortus-dev/hortus/pkg/flow"
)

const (
	testSeed        = "local"
	testSeedUID     = "seed-uid"
	testTechnicalID = "shoot--local--s"
	testShootUID    = "shoot-uid"
)

var backupScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(gardencorev1beta1.AddToScheme(s))
	return s
}()

// backupOperation returns an operation on a shoot of seed testSeed, whose spec.backup is
// set when backup is, with fake garden and seed clients. With a state, the garden client
// plays the gardenlet's backupentry controller and the backup extension: whenever the flow
// writes the BackupEntry, it takes up the request and reports state and, on success, the
// extension publishes the backup location.
func backupOperation(backup bool, state gardencorev1beta1.LastOperationState) (*operation, client.Client, client.Client) {
	seed := &gardencorev1beta1.Seed{ObjectMeta: metav1.ObjectMeta{Name: testSeed, UID: testSeedUID}}
	if backup {
		seed.Spec.Backup = &gardencorev1beta1.Backup{Provider: "local"}
	}
	seedClient := fake.NewClientBuilder().WithScheme(backupScheme).Build()
	react := func(ctx context.Context, c client.WithWatch, obj client.Object) error {
		if _, ok := obj.(*gardencorev1beta1.BackupEntry); !ok || state == "" {
			return nil
		}
		entry := &gardencorev1beta1.BackupEntry{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(obj), entry); err != nil {
			return err
		}
		entry.Status.LastOperation = &gardencorev1beta1.LastOperation{Type: gardencorev1beta1.LastOperationTypeCreate, State: state, Description: "the extension says so"}
		entry.Status.ObservedGeneration = entry.Generation
		if err := c.Status().Update(ctx, entry); err != nil {
			return err
		}
		delete(entry.Annotations, v1beta1constants.GardenerOperation)
		if err := c.Update(ctx, entry); err != nil {
			return err
		}
		if state != gardencorev1beta1.LastOperationStateSucceeded {
			return nil
		}
		location := backupentry.Location{Provider: "local", BucketName: testSeedUID, Path: "/backups/" + testSeedUID + "/" + entry.Name}
		return client.IgnoreAlreadyExists(seedClient.Create(ctx, locationSecret(location)))
	}
	garden := fake.NewClientBuilder().WithScheme(backupScheme).WithObjects(seed).
		WithStatusSubresource(&gardencorev1beta1.BackupEntry{}).
		WithInterceptorFuncs(interceptor.Funcs{
			Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
				if err := c.Create(ctx, obj, opts...); err != nil {
					return err
				}
				return react(ctx, c, obj)
			},
			Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
				if err := c.Patch(ctx, obj, patch, opts...); err != nil {
					return err
				}
				return react(ctx, c, obj)
			},
		}).Build()
	r := &Reconciler{GardenClient: garden, SeedClient: seedClient, SeedName: testSeed, Clock: clocktesting.NewFakeClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))}
	shoot := &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Namespace: "garden-local", Name: "s", UID: testShootUID}}
	return &operation{r: r, shoot: shoot, technicalID: testTechnicalID}, garden, seedClient
}

// entryKey is the BackupEntry of the test shoot.
var entryKey = client.ObjectKey{Namespace: "garden-local", Name: testTechnicalID + "--" + testShootUID}

func TestDeployBackupEntry(t *testing.T) {
	t.Run("succeeds once the entry is reconciled and the location published", func(t *testing.T) {
		g := NewWithT(t)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		o, garden, _ := backupOperation(true, gardencorev1beta1.LastOperationStateSucceeded)

		g.Expect(o.deployBackupEntry(ctx)).To(Succeed())
		entry := &gardencorev1beta1.BackupEntry{}
		g.Expect(garden.Get(ctx, entryKey, entry)).To(Succeed())
		g.Expect(entry.Spec.BucketName).To(Equal(testSeedUID), "the seed's bucket is named after its UID")
		g.Expect(entry.Spec.SeedName).To(Equal(ptr.To(testSeed)))
		g.Expect(entry.Annotations).To(HaveKey(v1beta1constants.GardenerTimestamp))
		g.Expect(entry.OwnerReferences).To(ConsistOf(And(
			HaveField("Kind", "Shoot"), HaveField("Name", "s"), HaveField("UID", BeEquivalentTo(testShootUID)),
			HaveField("Controller", ptr.To(false)), HaveField("BlockOwnerDeletion", ptr.To(false)),
		)))

		dir, err := o.backupStoreDir(ctx)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(dir).To(Equal("/backups/seed-uid/" + entryKey.Name))

		g.Expect(o.deployBackupEntry(ctx)).To(Succeed(), "deploying again")
		g.Expect(garden.Get(ctx, entryKey, entry)).To(Succeed())
		g.Expect(entry.OwnerReferences).To(HaveLen(1), "deploying again keeps one owner reference")
	})

	t.Run("the seed has no backup", func(t *testing.T) {
		g := NewWithT(t)
		o, garden, _ := backupOperation(false, "")
		err := o.deployBackupEntry(context.Background())
		g.Expect(err).To(MatchError(ContainSubstring("seed local has no backup configured")))
		g.Expect(flow.IsTerminal(err)).To(BeTrue())
		g.Expect(apierrors.IsNotFound(garden.Get(context.Background(), entryKey, &gardencorev1beta1.BackupEntry{}))).To(BeTrue())
	})

	t.Run("the entry's operation failed", func(t *testing.T) {
		g := NewWithT(t)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		o, _, _ := backupOperation(true, gardencorev1beta1.LastOperationStateFailed)
		err := o.deployBackupEntry(ctx)
		g.Expect(err).To(MatchError(And(ContainSubstring("last operation failed: the extension says so"), ContainSubstring("kubectl get backupentry"))))
		g.Expect(ctx.Err()).NotTo(HaveOccurred(), "a failed entry ends the wait at once")
	})

	t.Run("nothing reconciles the entry", func(t *testing.T) {
		g := NewWithT(t)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		o, _, _ := backupOperation(true, "")
		err := o.deployBackupEntry(ctx)
		g.Expect(err).To(MatchError(And(
			ContainSubstring("waiting for BackupEntry garden-local/"+entryKey.Name),
			ContainSubstring("Secret shoot--local--s/etcd-backup"),
			ContainSubstring("has not taken up the reconcile request"),
		)))
	})
}

func TestBackupStoreDir(t *testing.T) {
	tests := []struct {
		name    string
		secret  *corev1.Secret
		want    string
		wantErr string
	}{
		{name: "no secret", wantErr: "has not published Secret shoot--local--s/etcd-backup"},
		{name: "local", secret: locationSecret(backupentry.Location{Provider: "local", BucketName: "b", Path: "/b/e"}), want: "/b/e"},
		{name: "other provider", secret: locationSecret(backupentry.Location{Provider: "s3", BucketName: "b", Path: "e"}), wantErr: `provider "s3"`},
		{name: "incomplete", secret: locationSecret(backupentry.Location{Provider: "local"}), wantErr: `key "path" is missing`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			o, _, seedClient := backupOperation(true, "")
			if tt.secret != nil {
				g.Expect(seedClient.Create(context.Background(), tt.secret)).To(Succeed())
			}
			dir, err := o.backupStoreDir(context.Background())
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(dir).To(Equal(tt.want))
		})
	}
}

func locationSecret(l backupentry.Location) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: testTechnicalID, Name: backupentry.SecretName}, Data: l.Data()}
}

func TestDeleteBackupEntry(t *testing.T) {
	t.Run("gone already", func(t *testing.T) {
		o, _, _ := backupOperation(true, "")
		NewWithT(t).Expect(o.deleteBackupEntry(context.Background())).To(Succeed())
	})

	t.Run("waits until the finalizer is gone", func(t *testing.T) {
		g := NewWithT(t)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		o, garden, _ := backupOperation(true, "")
		entry := &gardencorev1beta1.BackupEntry{ObjectMeta: metav1.ObjectMeta{Namespace: entryKey.Namespace, Name: entryKey.Name, Finalizers: []string{"gardener"}}}
		g.Expect(garden.Create(ctx, entry)).To(Succeed())
		reads := 0
		// The gardenlet's backupentry controller releases the entry at the flow's third
		// look, once the extension object is gone.
		o.r.GardenClient = interceptor.NewClient(garden.(client.WithWatch), interceptor.Funcs{
			Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
				if e, ok := obj.(*gardencorev1beta1.BackupEntry); ok {
					if reads++; reads == 3 {
						g.Expect(c.Get(ctx, key, e)).To(Succeed())
						g.Expect(e.DeletionTimestamp).NotTo(BeNil(), "the flow deleted the entry")
						e.Finalizers = nil
						g.Expect(c.Update(ctx, e)).To(Succeed())
					}
				}
				return c.Get(ctx, key, obj, opts...)
			},
		})
		g.Expect(o.deleteBackupEntry(ctx)).To(Succeed())
		g.Expect(reads).To(Equal(3))
		g.Expect(apierrors.IsNotFound(garden.Get(ctx, entryKey, entry))).To(BeTrue())
	})

	t.Run("the finalizer stays", func(t *testing.T) {
		g := NewWithT(t)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		o, garden, _ := backupOperation(true, "")
		entry := &gardencorev1beta1.BackupEntry{ObjectMeta: metav1.ObjectMeta{Namespace: entryKey.Namespace, Name: entryKey.Name, Finalizers: []string{"gardener"}}}
		g.Expect(garden.Create(ctx, entry)).To(Succeed())
		g.Expect(o.deleteBackupEntry(ctx)).To(MatchError(ContainSubstring("waiting for the deletion of BackupEntry garden-local/" + entryKey.Name)))
	})
}

func TestSeedBackup(t *testing.T) {
	g := NewWithT(t)
	o, _, _ := backupOperation(true, "")
	seed, ok, err := o.r.seedBackup(context.Background())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ok).To(BeTrue())
	g.Expect(seed.UID).To(BeEquivalentTo(testSeedUID))

	o, _, _ = backupOperation(false, "")
	_, ok, err = o.r.seedBackup(context.Background())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ok).To(BeFalse())

	o.r.SeedName = "missing"
	_, _, err = o.r.seedBackup(context.Background())
	g.Expect(err).To(MatchError(ContainSubstring("reading seed missing")))
}
