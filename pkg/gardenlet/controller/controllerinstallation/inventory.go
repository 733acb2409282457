package controllerinstallation

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// InventoryName is the ConfigMap in the extension's namespace that lists what the
// gardenlet applied to the seed for the installation.
const InventoryName = "hortus-controllerinstallation-inventory"

// inventoryKey is the ConfigMap's key with the JSON list of ObjectRefs.
const inventoryKey = "objects"

// ObjectRef names an object that the gardenlet applied to the seed.
type ObjectRef struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

// RefOf returns the reference of obj.
func RefOf(obj *unstructured.Unstructured) ObjectRef {
	return ObjectRef{APIVersion: obj.GetAPIVersion(), Kind: obj.GetKind(), Namespace: obj.GetNamespace(), Name: obj.GetName()}
}

// String names the object as kind namespace/name.
func (r ObjectRef) String() string {
	if r.Namespace == "" {
		return r.Kind + " " + r.Name
	}
	return r.Kind + " " + r.Namespace + "/" + r.Name
}

// key identifies the object regardless of the version it was applied in.
func (r ObjectRef) key() string {
	gv, _ := schema.ParseGroupVersion(r.APIVersion)
	return gv.Group + "/" + r.Kind + "/" + r.Namespace + "/" + r.Name
}

// object returns an empty unstructured object with r's identity, for Get and Delete.
func (r ObjectRef) object() *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(r.APIVersion)
	u.SetKind(r.Kind)
	u.SetNamespace(r.Namespace)
	u.SetName(r.Name)
	return u
}

// Stale returns the objects of applied that wanted no longer lists, in reverse order of
// applied, which is the order to delete them in.
func Stale(applied, wanted []ObjectRef) []ObjectRef {
	keep := map[string]bool{}
	for _, r := range wanted {
		keep[r.key()] = true
	}
	var out []ObjectRef
	for _, r := range slices.Backward(applied) {
		if !keep[r.key()] {
			out = append(out, r)
		}
	}
	return out
}

// Union returns wanted followed by the objects of applied that wanted does not list.
func Union(applied, wanted []ObjectRef) []ObjectRef {
	out := slices.Clone(wanted)
	seen := map[string]bool{}
	for _, r := range wanted {
		seen[r.key()] = true
	}
	for _, r := range applied {
		if !seen[r.key()] {
			seen[r.key()] = true
			out = append(out, r)
		}
	}
	return out
}

// readInventory returns the objects recorded in namespace, or none when there is no
// inventory.
func readInventory(ctx context.Context, c client.Client, namespace string) ([]ObjectRef, error) {
	cm := &corev1.ConfigMap{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: InventoryName}, cm); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("reading the inventory %s/%s: %w", namespace, InventoryName, err)
	}
	var refs []ObjectRef
	if err := json.Unmarshal([]byte(cm.Data[inventoryKey]), &refs); err != nil {
		return nil, fmt.Errorf("the inventory %s/%s is corrupt; fix or delete its key %q: %w", namespace, InventoryName, inventoryKey, err)
	}
	return refs, nil
}

// writeInventory records refs in namespace.
func writeInventory(ctx context.Context, c client.Client, namespace string, refs []ObjectRef) error {
	b, err := json.Marshal(refs)
	if err != nil {
		return err
	}
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: InventoryName, Namespace: namespace, Labels: map[string]string{LabelManagedBy: FieldOwner}},
		Data:       map[string]string{inventoryKey: string(b)},
	}
	if err := c.Patch(ctx, cm, client.Apply, client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
		return fmt.Errorf("writing the inventory %s/%s: %w", namespace, InventoryName, err)
	}
	return nil
}
