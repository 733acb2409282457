package extensioncrds

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/yaml"
)

// FieldManager is the server-side apply field manager that Install applies the CRDs with.
const FieldManager = "hortus-gardenlet"

// pollInterval is how often Install checks whether the CRDs are established.
const pollInterval = 100 * time.Millisecond

// files holds the CRDs, one per file, as hack/update-codegen.sh writes them.
//
//go:embed crds/*.yaml
var files embed.FS

// manifests returns the JSON form of every embedded CRD, in file name order. Each caller
// decodes its own copy, so that nobody shares mutable state.
var manifests = sync.OnceValues(func() ([][]byte, error) {
	names, err := fs.Glob(files, "crds/*.yaml")
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, len(names))
	for _, name := range names {
		b, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		j, err := yaml.YAMLToJSONStrict(b)
		if err != nil {
			return nil, fmt.Errorf("converting %s to JSON: %w", path.Base(name), err)
		}
		out = append(out, j)
	}
	return out, nil
})

// CRDs returns the CustomResourceDefinitions of Gardener's extension kinds and of
// machine-controller-manager's machine kinds, sorted by name.
// The objects are new on every call; callers may modify them.
func CRDs() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	ms, err := manifests()
	if err != nil {
		return nil, err
	}
	out := make([]*apiextensionsv1.CustomResourceDefinition, 0, len(ms))
	for _, m := range ms {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		dec := json.NewDecoder(bytes.NewReader(m))
		dec.DisallowUnknownFields()
		if err := dec.Decode(crd); err != nil {
			return nil, fmt.Errorf("decoding an embedded CRD: %w", err)
		}
		if gvk := crd.GroupVersionKind(); gvk != apiextensionsv1.SchemeGroupVersion.WithKind("CustomResourceDefinition") {
			return nil, fmt.Errorf("embedded CRD %q is a %s", crd.Name, gvk)
		}
		out = append(out, crd)
	}
	slices.SortFunc(out, func(a, b *apiextensionsv1.CustomResourceDefinition) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Install creates or updates every CRD of CRDs in the cluster of c by server-side apply with
// FieldManager, forcing ownership of conflicting fields, and then waits until each one is
// Established. ctx bounds the wait; when it ends first, the error names the CRDs that are
// not established yet. Install needs no particular scheme in c.
func Install(ctx context.Context, c client.Client) error {
	ms, err := manifests()
	if err != nil {
		return err
	}
	names := make([]string, 0, len(ms))
	var errs []error
	for _, m := range ms {
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(m); err != nil {
			return fmt.Errorf("decoding an embedded CRD: %w", err)
		}
		names = append(names, u.GetName())
		if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(FieldManager), client.ForceOwnership); err != nil {
			errs = append(errs, fmt.Errorf("applying CRD %s: %w", u.GetName(), err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := waitEstablished(ctx, c, names); err != nil {
		return err
	}
	logf.FromContext(ctx).V(1).Info("Installed the extension and machine CRDs", "count", len(names))
	return nil
}

// waitEstablished polls the CRDs of names until each one is Established, or ctx ends.
func waitEstablished(ctx context.Context, c client.Client, names []string) error {
	pending := slices.Clone(names)
	var lastErr error
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		var still []string
		lastErr = nil
		for _, name := range pending {
			ok, err := established(ctx, c, name)
			if err != nil {
				lastErr = err
			}
			if !ok {
				still = append(still, name)
			}
		}
		pending = still
		return len(pending) == 0, nil
	})
	if err != nil {
		return errors.Join(
			fmt.Errorf("CRDs not established: %s: %w", strings.Join(pending, ", "), err),
			lastErr,
		)
	}
	return nil
}

// established reports whether the CRD name has the condition Established=True. It reads
// the CRD as unstructured so that c needs no scheme for it.
func established(ctx context.Context, c client.Client, name string) (bool, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(apiextensionsv1.SchemeGroupVersion.WithKind("CustomResourceDefinition"))
	if err := c.Get(ctx, client.ObjectKey{Name: name}, u); err != nil {
		return false, fmt.Errorf("reading CRD %s: %w", name, err)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, crd); err != nil {
		return false, fmt.Errorf("decoding CRD %s: %w", name, err)
	}
	for _, cond := range crd.Status.Conditions {
		if cond.Type == apiextensionsv1.Established {
			return cond.Status == apiextensionsv1.ConditionTrue, nil
		}
	}
	return false, nil
}
