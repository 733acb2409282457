package extension

import (
	"context"
	"encoding/json"
	"fmt"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Cluster is the decoded extensions.gardener.cloud/v1alpha1 Cluster of a seed namespace: the
// gardenlet writes one per shoot, named like the shoot's seed namespace, with the Shoot, its
// Seed and its CloudProfile as core.gardener.cloud/v1beta1 objects.
type Cluster struct {
	ObjectMeta   metav1.ObjectMeta
	Shoot        *gardencorev1beta1.Shoot
	Seed         *gardencorev1beta1.Seed
	CloudProfile *gardencorev1beta1.CloudProfile
}

// GetCluster reads the Cluster named namespace and decodes it. A missing Cluster gives an
// error that says so (and wraps the NotFound error).
func GetCluster(ctx context.Context, c client.Reader, namespace string) (*Cluster, error) {
	obj := &extensionsv1alpha1.Cluster{}
	if err := c.Get(ctx, client.ObjectKey{Name: namespace}, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("there is no Cluster %q for the seed namespace %q: the gardenlet writes it before the shoot's extension objects, check that it reconciles the shoot: %w", namespace, namespace, err)
		}
		return nil, fmt.Errorf("reading the Cluster %q: %w", namespace, err)
	}
	return DecodeCluster(obj)
}

// DecodeCluster decodes the Shoot, Seed and CloudProfile of a Cluster object. Each must be
// present and, where it names its apiVersion and kind, be a core.gardener.cloud/v1beta1
// object of the right kind.
func DecodeCluster(obj *extensionsv1alpha1.Cluster) (*Cluster, error) {
	out := &Cluster{
		ObjectMeta:   *obj.ObjectMeta.DeepCopy(),
		Shoot:        &gardencorev1beta1.Shoot{},
		Seed:         &gardencorev1beta1.Seed{},
		CloudProfile: &gardencorev1beta1.CloudProfile{},
	}
	for _, f := range []struct {
		field string
		raw   runtime.RawExtension
		kind  string
		into  runtime.Object
	}{
		{"spec.shoot", obj.Spec.Shoot, "Shoot", out.Shoot},
		{"spec.seed", obj.Spec.Seed, "Seed", out.Seed},
		{"spec.cloudProfile", obj.Spec.CloudProfile, "CloudProfile", out.CloudProfile},
	} {
		if err := decodeRaw(f.raw, f.kind, f.into); err != nil {
			return nil, fmt.Errorf("decoding %s of the Cluster %q: %w", f.field, obj.Name, err)
		}
	}
	return out, nil
}

// decodeRaw decodes raw into into, which is a core.gardener.cloud/v1beta1 object of kind.
func decodeRaw(raw runtime.RawExtension, kind string, into runtime.Object) error {
	data := raw.Raw
	if len(data) == 0 && raw.Object != nil {
		var err error
		if data, err = json.Marshal(raw.Object); err != nil {
			return err
		}
	}
	if len(data) == 0 || string(data) == "null" {
		return fmt.Errorf("it is empty; the gardenlet must write the %s", kind)
	}
	if err := json.Unmarshal(data, into); err != nil {
		return err
	}
	gvk := into.GetObjectKind().GroupVersionKind()
	if gvk.Kind != "" && gvk.Kind != kind {
		return fmt.Errorf("it is a %s, not a %s", gvk.Kind, kind)
	}
	if gv := gvk.GroupVersion(); !gv.Empty() && gv != gardencorev1beta1.SchemeGroupVersion {
		return fmt.Errorf("it has apiVersion %q, want %q", gv, gardencorev1beta1.SchemeGroupVersion)
	}
	return nil
}
