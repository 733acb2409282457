package shoot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/hortus-dev/hortus/pkg/shootpki"
)

// Suffixes and keys of the objects the gardenlet publishes in the shoot's project
// namespace in the garden, which shoots/adminkubeconfig and viewerkubeconfig read.
const (
	caClientSuffix  = ".ca-client"
	caClusterSuffix = ".ca-cluster"
	keyCACert       = "ca.crt"
	keyCAKey        = "ca.key"
)

// publishCAs writes the shoot's client CA (InternalSecret <shoot>.ca-client, certificate
// and key) and cluster CA bundle (ConfigMap <shoot>.ca-cluster) to the garden.
func (r *Reconciler) publishCAs(ctx context.Context, shoot *gardencorev1beta1.Shoot, p *shootpki.PKI) error {
	secret := &gardencorev1beta1.InternalSecret{ObjectMeta: metav1.ObjectMeta{Name: shoot.Name + caClientSuffix, Namespace: shoot.Namespace}}
	if _, err := controllerutil.CreateOrUpdate(ctx, r.GardenClient, secret, func() error {
		secret.Type = corev1.SecretTypeOpaque
		secret.Data = map[string][]byte{keyCACert: p.ClientCA.CertPEM, keyCAKey: p.ClientCA.KeyPEM}
		return controllerutil.SetOwnerReference(shoot, secret, r.GardenClient.Scheme())
	}); err != nil {
		return fmt.Errorf("publishing the client CA as InternalSecret %s: %w", secret.Name, err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: shoot.Name + caClusterSuffix, Namespace: shoot.Namespace}}
	if _, err := controllerutil.CreateOrUpdate(ctx, r.GardenClient, cm, func() error {
		cm.Data = map[string]string{keyCACert: string(p.ClusterCA.CertPEM)}
		return controllerutil.SetOwnerReference(shoot, cm, r.GardenClient.Scheme())
	}); err != nil {
		return fmt.Errorf("publishing the cluster CA as ConfigMap %s: %w", cm.Name, err)
	}
	return nil
}

// unpublishCAs deletes what publishCAs wrote.
func (r *Reconciler) unpublishCAs(ctx context.Context, shoot *gardencorev1beta1.Shoot) error {
	for _, obj := range []client.Object{
		&gardencorev1beta1.InternalSecret{ObjectMeta: metav1.ObjectMeta{Name: shoot.Name + caClientSuffix, Namespace: shoot.Namespace}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: shoot.Name + caClusterSuffix, Namespace: shoot.Namespace}},
	} {
		if err := r.GardenClient.Delete(ctx, obj); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting %T %s: %w", obj, client.ObjectKeyFromObject(obj), err)
		}
	}
	return nil
}

// ensureNamespace creates the shoot's namespace in the seed.
func (r *Reconciler) ensureNamespace(ctx context.Context, shoot *gardencorev1beta1.Shoot, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	_, err := controllerutil.CreateOrPatch(ctx, r.SeedClient, ns, func() error {
		metav1.SetMetaDataLabel(&ns.ObjectMeta, "gardener.cloud/role", "shoot")
		metav1.SetMetaDataLabel(&ns.ObjectMeta, "shoot.gardener.cloud/name", shoot.Name)
		metav1.SetMetaDataLabel(&ns.ObjectMeta, "project.gardener.cloud/namespace", shoot.Namespace)
		return nil
	})
	if err != nil {
		return fmt.Errorf("ensuring namespace %s in the seed: %w", name, err)
	}
	return nil
}

// ensureCluster writes the extensions.gardener.cloud Cluster object named after the
// shoot's namespace, which carries the shoot, its seed and its cloud profile for
// extensions.
func (r *Reconciler) ensureCluster(ctx context.Context, shoot *gardencorev1beta1.Shoot, name string) (*gardencorev1beta1.CloudProfileSpec, error) {
	seed := &gardencorev1beta1.Seed{}
	if err := r.GardenClient.Get(ctx, client.ObjectKey{Name: r.SeedName}, seed); err != nil {
		return nil, fmt.Errorf("reading the seed: %w", err)
	}
	var spec *gardencorev1beta1.CloudProfileSpec
	var profile client.Object
	profileKind := "CloudProfile"
	switch ref := shoot.Spec.CloudProfile; {
	case ref != nil && ref.Kind == "NamespacedCloudProfile":
		ncp := &gardencorev1beta1.NamespacedCloudProfile{}
		profile, profileKind = ncp, ref.Kind
		if err := r.GardenClient.Get(ctx, client.ObjectKey{Namespace: shoot.Namespace, Name: ref.Name}, profile); err != nil {
			return nil, fmt.Errorf("reading the NamespacedCloudProfile: %w", err)
		}
		spec = ncp.Status.CloudProfileSpec.DeepCopy()
	default:
		profileName := ptr.Deref(shoot.Spec.CloudProfileName, "")
		if ref != nil {
			profileName = ref.Name
		}
		cp := &gardencorev1beta1.CloudProfile{}
		profile = cp
		if err := r.GardenClient.Get(ctx, client.ObjectKey{Name: profileName}, profile); err != nil {
			return nil, fmt.Errorf("reading the CloudProfile: %w", err)
		}
		spec = cp.Spec.DeepCopy()
	}
	cluster := &extensionsv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name}}
	_, err := controllerutil.CreateOrUpdate(ctx, r.SeedClient, cluster, func() error {
		var errs [3]error
		cluster.Spec.Shoot, errs[0] = rawObject(shoot, "Shoot")
		cluster.Spec.Seed, errs[1] = rawObject(seed, "Seed")
		cluster.Spec.CloudProfile, errs[2] = rawObject(profile, profileKind)
		return errors.Join(errs[:]...)
	})
	if err != nil {
		return nil, fmt.Errorf("writing the Cluster resource %s: %w", name, err)
	}
	return spec, nil
}

// rawObject is obj as core.gardener.cloud/v1beta1 JSON of the given kind, without managed
// fields, as the Cluster resource carries it.
func rawObject(obj client.Object, kind string) (runtime.RawExtension, error) {
	obj = obj.DeepCopyObject().(client.Object)
	obj.GetObjectKind().SetGroupVersionKind(gardencorev1beta1.SchemeGroupVersion.WithKind(kind))
	obj.SetManagedFields(nil)
	b, err := json.Marshal(obj)
	return runtime.RawExtension{Raw: b}, err
}
