package backupbucket

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/extensions/pkg/extension"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller"
	"github.com/hortus-dev/hortus/extensions/provider-local/providerstatus"
)

// The keys of a bucket's generated Secret.
const (
	// SecretKeyBucketName is the bucket's name.
	SecretKeyBucketName = "bucketName"
	// SecretKeyPath is the bucket's directory.
	SecretKeyPath = "path"
)

// DefaultSecretNamespace is where the generated Secret goes when spec.secretRef names no
// namespace: Gardener's garden namespace of the seed.
const DefaultSecretNamespace = "garden"

// GeneratedSecretName returns the name of the generated Secret of bucket name.
func GeneratedSecretName(name string) string { return "generated-bucket-" + name }

// Actuator reconciles BackupBuckets of type local.
type Actuator struct {
	// Client reaches the seed.
	Client client.Client
	// Dir is the backup directory: a bucket is the directory Dir/<bucket name>.
	Dir string
}

// AddToManager registers the BackupBucket controller with mgr.
func (a *Actuator) AddToManager(mgr manager.Manager, o controller.Options) error {
	if a.Dir == "" {
		return errors.New("the BackupBucket controller needs a backup directory: set --backup-dir")
	}
	return extension.Add(mgr, extension.Args[*extensionsv1alpha1.BackupBucket]{
		Name:                    controller.ControllerName(extensionsv1alpha1.BackupBucketResource),
		NewObject:               func() *extensionsv1alpha1.BackupBucket { return &extensionsv1alpha1.BackupBucket{} },
		Type:                    controller.Type,
		Actuator:                a,
		Finalizer:               controller.Finalizer(extensionsv1alpha1.BackupBucketResource),
		Clock:                   o.Clock,
		MaxConcurrentReconciles: o.MaxConcurrentReconciles,
	})
}

// Path returns the directory of bucket name below dir, refusing names that would leave dir.
func Path(dir, name string) (string, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return "", fmt.Errorf("bucket name %q cannot be a directory name", name)
	}
	return filepath.Join(dir, name), nil
}

// Reconcile creates the bucket's directory and its generated Secret, and records both.
func (a *Actuator) Reconcile(ctx context.Context, log logr.Logger, bb *extensionsv1alpha1.BackupBucket, _ *extension.Cluster) error {
	dir, err := Path(a.Dir, bb.Name)
	if err != nil {
		return reconcile.TerminalError(err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating the bucket directory: %w; check that --backup-dir is writable", err)
	}

	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: secretNamespace(bb), Name: GeneratedSecretName(bb.Name)}}
	if _, err := controllerutil.CreateOrUpdate(ctx, a.Client, secret, func() error {
		secret.Type = corev1.SecretTypeOpaque
		secret.Data = map[string][]byte{SecretKeyBucketName: []byte(bb.Name), SecretKeyPath: []byte(dir)}
		return nil
	}); err != nil {
		return fmt.Errorf("writing the generated Secret %s: %w", client.ObjectKeyFromObject(secret), err)
	}

	raw, err := providerstatus.Encode(&providerstatus.BackupBucketStatus{Path: dir})
	if err != nil {
		return err
	}
	log.Info("Bucket directory ready", "path", dir, "generatedSecret", client.ObjectKeyFromObject(secret))
	return controller.PatchStatus(ctx, a.Client, bb, func(b *extensionsv1alpha1.BackupBucket) {
		b.Status.ProviderStatus = raw
		b.Status.GeneratedSecretRef = &corev1.SecretReference{Namespace: secret.Namespace, Name: secret.Name}
	})
}

// Delete removes the bucket's directory and generated Secret. As long as the directory
// still holds entries (directories of BackupEntries) it refuses with an error that names
// them: a bucket goes only after its entries, as in Gardener, where the gardenlet deletes a
// BackupBucket once no BackupEntry refers to it.
func (a *Actuator) Delete(ctx context.Context, log logr.Logger, bb *extensionsv1alpha1.BackupBucket, _ *extension.Cluster) error {
	dir, err := Path(a.Dir, bb.Name)
	if err != nil {
		log.Info("Nothing to remove: the name is no directory name", "reason", err.Error())
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("reading the bucket directory: %w", err)
	}
	var left []string
	for _, e := range entries {
		if e.IsDir() {
			left = append(left, e.Name())
		}
	}
	if len(left) > 0 {
		return fmt.Errorf("bucket %s still holds the entries %s in %s: delete their BackupEntries first", bb.Name, strings.Join(left, ", "), dir)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("removing the bucket directory: %w", err)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: secretNamespace(bb), Name: GeneratedSecretName(bb.Name)}}
	if err := a.Client.Delete(ctx, secret); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting the generated Secret %s: %w", client.ObjectKeyFromObject(secret), err)
	}
	log.Info("Removed the bucket", "path", dir)
	return nil
}

func secretNamespace(bb *extensionsv1alpha1.BackupBucket) string {
	if bb.Spec.SecretRef.Namespace != "" {
		return bb.Spec.SecretRef.Namespace
	}
	return DefaultSecretNamespace
}
