package landscape

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/landscape/local"
	"github.com/hortus-dev/hortus/pkg/gardenlet"
)

// Identities of the landscape's controllers in the garden. Each has a client certificate
// of the garden's client CA.
const (
	// ControllerManagerUser is bound to cluster-admin: the controller-manager writes
	// ClusterRoles with rules of its choosing for projects, which needs escalate and bind.
	ControllerManagerUser = "hortus:controller-manager"
	// SchedulerUser may read what scheduling needs and bind shoots.
	SchedulerUser = "hortus:scheduler"
	// GardenletGroup is the group of every gardenlet's garden identity.
	GardenletGroup = gardenlet.Group
)

// GardenletUser is the garden identity of the seed's gardenlet.
func GardenletUser(seed string) string { return gardenlet.UserPrefix + seed }

// GardenletSeedUser is the gardenlet's identity in its seed cluster, where it is
// cluster-admin as Gardener's gardenlet is. For the first seed the seed cluster is the
// garden cluster, so this identity is cluster-admin there as well, as in Gardener's own
// local setup.
func GardenletSeedUser(seed string) string { return "hortus:gardenlet:" + seed }

type adminClient = client.Client

var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, gardencorev1beta1.AddToScheme, securityv1alpha1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}()

func newAdminClient(cfg *rest.Config) (client.Client, error) {
	return client.New(cfg, client.Options{Scheme: scheme})
}

func clusterAdminBinding(name, user string) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{
		ObjectMeta: metaName(name),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
	}
}

// controllerRBAC grants the controller-manager and the scheduler their rights.
func controllerRBAC() []client.Object {
	gardener := gardencorev1beta1.SchemeGroupVersion.Group
	return []client.Object{
		clusterAdminBinding("hortus:controller-manager", ControllerManagerUser),
		&rbacv1.ClusterRole{
			ObjectMeta: metaName("hortus:scheduler"),
			Rules: []rbacv1.PolicyRule{
				{APIGroups: []string{gardener}, Resources: []string{"seeds", "cloudprofiles", "namespacedcloudprofiles", "projects"}, Verbs: []string{"get", "list", "watch"}},
				{APIGroups: []string{gardener}, Resources: []string{"shoots"}, Verbs: []string{"get", "list", "watch"}},
				{APIGroups: []string{gardener}, Resources: []string{"shoots/binding"}, Verbs: []string{"create", "update", "patch"}},
				{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "list", "watch"}},
				{APIGroups: []string{"", "events.k8s.io"}, Resources: []string{"events"}, Verbs: []string{"create", "patch", "update"}},
			},
		},
		&rbacv1.ClusterRoleBinding{
			ObjectMeta: metaName("hortus:scheduler"),
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "hortus:scheduler"},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: SchedulerUser}},
		},
	}
}

// ensureBackupSecret creates the garden namespace BackupSecretNamespace, when it is
// missing, and in it the (empty) credentials of the seeds' backups, which the gardenlets'
// BackupBuckets refer to.
func ensureBackupSecret(ctx context.Context, c client.Client) error {
	ns := &corev1.Namespace{ObjectMeta: metaName(BackupSecretNamespace)}
	if err := c.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating namespace %s: %w", BackupSecretNamespace, err)
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: BackupSecretNamespace, Name: BackupSecretName},
		Type:       corev1.SecretTypeOpaque,
	}
	return ensureObjects(ctx, c, secret)
}

// gardenletRBAC grants the seed's gardenlet its rights in the garden.
func gardenletRBAC(seed string) []client.Object { return gardenlet.GardenRBAC(seed) }

// seedRBAC makes the gardenlet cluster-admin of its seed cluster.
func seedRBAC(seed string) []client.Object {
	return []client.Object{clusterAdminBinding("hortus:gardenlet:"+seed, GardenletSeedUser(seed))}
}

// ensureObjects creates the objects, or updates them to the given content when they
// exist (after a restart on the same state directory).
func ensureObjects(ctx context.Context, c client.Client, objs ...client.Object) error {
	for _, obj := range objs {
		err := c.Create(ctx, obj)
		if apierrors.IsAlreadyExists(err) {
			existing := obj.DeepCopyObject().(client.Object)
			if err = c.Get(ctx, client.ObjectKeyFromObject(obj), existing); err == nil {
				obj.SetResourceVersion(existing.GetResourceVersion())
				err = c.Update(ctx, obj)
			}
		}
		if err != nil {
			return fmt.Errorf("%T %s: %w", obj, client.ObjectKeyFromObject(obj), err)
		}
	}
	return nil
}

// FieldManager is the server-side apply field manager of `hortus up`.
const FieldManager = "hortus-up"

// applyLocal applies landscape/local's manifests in order. The CloudProfile offers the
// given Kubernetes versions; the ControllerDeployment of provider-local gets its chart and
// backupDir (see local.Complete); namespaced objects wait for their namespace (the
// Project's, which the controller-manager creates).
func applyLocal(ctx context.Context, c client.Client, versions []string, backupDir string) error {
	for _, name := range local.Applied {
		b, err := local.Manifests.ReadFile(name)
		if err != nil {
			return err
		}
		objs, err := decodeManifests(b)
		if err != nil {
			return fmt.Errorf("landscape/local/%s: %w", name, err)
		}
		for _, u := range objs {
			if u.GetKind() == "CloudProfile" {
				vs := make([]any, len(versions))
				for i, v := range versions {
					vs[i] = map[string]any{"version": v}
				}
				if err := unstructured.SetNestedSlice(u.Object, vs, "spec", "kubernetes", "versions"); err != nil {
					return err
				}
			}
			if err := local.Complete(u, local.Settings{BackupDir: backupDir}); err != nil {
				return fmt.Errorf("landscape/local/%s: %w", name, err)
			}
			if ns := u.GetNamespace(); ns != "" {
				if err := waitForNamespace(ctx, c, ns); err != nil {
					return fmt.Errorf("landscape/local/%s: %w", name, err)
				}
			}
			if err := c.Patch(ctx, u, client.Apply, client.FieldOwner(FieldManager), client.ForceOwnership); err != nil {
				return fmt.Errorf("applying landscape/local/%s (%s %s): %w", name, u.GetKind(), client.ObjectKeyFromObject(u), err)
			}
		}
	}
	return nil
}

func decodeManifests(b []byte) ([]*unstructured.Unstructured, error) {
	var out []*unstructured.Unstructured
	d := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
	for {
		u := &unstructured.Unstructured{}
		if err := d.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
}

func waitForNamespace(ctx context.Context, c client.Client, name string) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		last = c.Get(ctx, client.ObjectKey{Name: name}, &corev1.Namespace{})
		return last == nil, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for namespace %s, which the controller-manager creates for its Project: %w", name, errors.Join(err, last))
	}
	return nil
}

// waitSeedReady waits until the Seed is Ready as `kubectl get seeds` shows it: the
// gardenlet, the extensions, the system components and, when the seed has backups, the
// backup buckets are.
func waitSeedReady(ctx context.Context, c client.Client, name string) error {
	var last error
	err := wait.PollUntilContextCancel(ctx, 250*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		seed := &gardencorev1beta1.Seed{}
		if err := c.Get(ctx, client.ObjectKey{Name: name}, seed); err != nil {
			last = fmt.Errorf("the gardenlet has not registered the Seed yet: %w", err)
			return false, nil
		}
		last = SeedNotReady(seed)
		return last == nil, nil
	})
	if err != nil {
		return errors.Join(err, last)
	}
	return nil
}

// SeedNotReady says why the seed is not Ready, or returns nil.
func SeedNotReady(seed *gardencorev1beta1.Seed) error {
	want := []gardencorev1beta1.ConditionType{gardencorev1beta1.GardenletReady, gardencorev1beta1.SeedExtensionsReady, gardencorev1beta1.SeedSystemComponentsHealthy}
	if seed.Spec.Backup != nil {
		want = append(want, gardencorev1beta1.SeedBackupBucketsReady)
	}
	var errs []error
	for _, t := range want {
		var cond *gardencorev1beta1.Condition
		for i := range seed.Status.Conditions {
			if seed.Status.Conditions[i].Type == t {
				cond = &seed.Status.Conditions[i]
			}
		}
		switch {
		case cond == nil:
			errs = append(errs, fmt.Errorf("condition %s not reported yet", t))
		case cond.Status != gardencorev1beta1.ConditionTrue:
			errs = append(errs, fmt.Errorf("%s is %s: %s", t, cond.Status, cond.Message))
		}
	}
	return errors.Join(errs...)
}
