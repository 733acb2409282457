package helmchart

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/releaseutil"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// Release names what a chart is rendered as.
type Release struct {
	// Name is .Release.Name.
	Name string
	// Namespace is .Release.Namespace.
	Namespace string
	// KubeVersion is .Capabilities.KubeVersion, such as v1.36.3; Helm's default when empty.
	KubeVersion string
}

// Load reads a chart archive: a gzipped tar as `helm package` writes it.
func Load(archive []byte) (*chart.Chart, error) {
	if len(archive) == 0 {
		return nil, errors.New("the chart archive is empty")
	}
	ch, err := loader.LoadArchive(bytes.NewReader(archive))
	if err != nil {
		return nil, fmt.Errorf("loading the chart archive (a .tgz as helm package writes it): %w", err)
	}
	return ch, nil
}

// Render renders the chart archive as release with values (merged over the chart's
// values.yaml) and returns its objects in the order Helm installs them: the CRDs of the
// chart's crds/ directories first, then the templates sorted by kind. Hooks and NOTES.txt
// are left out: a ControllerDeployment's chart is applied as plain objects.
func Render(archive []byte, release Release, values map[string]any) ([]*unstructured.Unstructured, error) {
	ch, err := Load(archive)
	if err != nil {
		return nil, err
	}
	return RenderChart(ch, release, values)
}

// RenderChart renders a loaded chart like Render.
func RenderChart(ch *chart.Chart, release Release, values map[string]any) ([]*unstructured.Unstructured, error) {
	caps := chartutil.DefaultCapabilities.Copy()
	if release.KubeVersion != "" {
		kv, err := chartutil.ParseKubeVersion(release.KubeVersion)
		if err != nil {
			return nil, fmt.Errorf("kubernetes version %q: %w", release.KubeVersion, err)
		}
		caps.KubeVersion = *kv
	}
	top, err := chartutil.ToRenderValues(ch, values, chartutil.ReleaseOptions{
		Name: release.Name, Namespace: release.Namespace, Revision: 1, IsInstall: true,
	}, caps)
	if err != nil {
		return nil, fmt.Errorf("chart %s: values: %w", ch.Name(), err)
	}
	files, err := engine.Render(ch, top)
	if err != nil {
		return nil, fmt.Errorf("chart %s: rendering: %w", ch.Name(), err)
	}
	for name := range files {
		if strings.HasSuffix(name, "NOTES.txt") {
			delete(files, name)
		}
	}
	_, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return nil, fmt.Errorf("chart %s: sorting the rendered manifests: %w", ch.Name(), err)
	}

	var out []*unstructured.Unstructured
	for _, crd := range ch.CRDObjects() {
		objs, err := decode(crd.File.Data)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %s: %w", ch.Name(), crd.Filename, err)
		}
		out = append(out, objs...)
	}
	for _, m := range manifests {
		objs, err := decode([]byte(m.Content))
		if err != nil {
			return nil, fmt.Errorf("chart %s: %s: %w", ch.Name(), m.Name, err)
		}
		out = append(out, objs...)
	}
	return out, nil
}

// decode reads the YAML documents of b as objects, skipping empty ones.
func decode(b []byte) ([]*unstructured.Unstructured, error) {
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
		if len(u.Object) == 0 {
			continue
		}
		if u.GetKind() == "" || u.GetAPIVersion() == "" {
			return nil, fmt.Errorf("an object without apiVersion or kind: %v", u.Object)
		}
		out = append(out, u)
	}
}

// Package loads the chart in directory dir of fsys (Chart.yaml, values.yaml, templates/, …)
// and returns it as a chart archive, as `helm package` writes it.
func Package(fsys fs.FS, dir string) ([]byte, error) {
	var files []*loader.BufferedFile
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, dir+"/")
		if dir == "." {
			rel = p
		}
		files = append(files, &loader.BufferedFile{Name: path.Clean(rel), Data: data})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the chart in %s: %w", dir, err)
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		return nil, fmt.Errorf("loading the chart in %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp("", "hortus-chart-")
	if err != nil {
		return nil, fmt.Errorf("packaging chart %s: %w", ch.Name(), err)
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	file, err := chartutil.Save(ch, tmp)
	if err != nil {
		return nil, fmt.Errorf("packaging chart %s: %w", ch.Name(), err)
	}
	archive, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("packaging chart %s: %w", ch.Name(), err)
	}
	return archive, nil
}
