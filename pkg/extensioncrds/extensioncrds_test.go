package extensioncrds_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/hortus-dev/hortus/pkg/extensioncrds"
)

// wantCRD is what the CRD of one kind must declare.
type wantCRD struct {
	group      string
	plural     string
	scope      apiextensionsv1.ResourceScope
	shortNames []string
	// plain is true for a kind without spec, status subresource and printer columns
	// (machine-controller-manager's MachineClass).
	plain bool
}

const (
	extensionsGroup = "extensions.gardener.cloud"
	machineGroup    = "machine.sapcloud.io"
)

// wantCRDs are the extension kinds of Gardener v1.139.1 and the machine kinds of
// machine-controller-manager v0.62.1, by kind.
var wantCRDs = map[string]wantCRD{
	"BackupBucket":            {group: extensionsGroup, plural: "backupbuckets", scope: apiextensionsv1.ClusterScoped, shortNames: []string{"bb"}},
	"BackupEntry":             {group: extensionsGroup, plural: "backupentries", scope: apiextensionsv1.ClusterScoped, shortNames: []string{"be"}},
	"Bastion":                 {group: extensionsGroup, plural: "bastions", scope: apiextensionsv1.NamespaceScoped},
	"Cluster":                 {group: extensionsGroup, plural: "clusters", scope: apiextensionsv1.ClusterScoped},
	"ContainerRuntime":        {group: extensionsGroup, plural: "containerruntimes", scope: apiextensionsv1.NamespaceScoped, shortNames: []string{"cr"}},
	"ControlPlane":            {group: extensionsGroup, plural: "controlplanes", scope: apiextensionsv1.NamespaceScoped, shortNames: []string{"cp"}},
	"DNSRecord":               {group: extensionsGroup, plural: "dnsrecords", scope: apiextensionsv1.NamespaceScoped, shortNames: []string{"dns"}},
	"Extension":               {group: extensionsGroup, plural: "extensions", scope: apiextensionsv1.NamespaceScoped, shortNames: []string{"ext"}},
	"Infrastructure":          {group: extensionsGroup, plural: "infrastructures", scope: apiextensionsv1.NamespaceScoped, shortNames: []string{"infra"}},
	"Network":                 {group: extensionsGroup, plural: "networks", scope: apiextensionsv1.NamespaceScoped},
	"OperatingSystemConfig":   {group: extensionsGroup, plural: "operatingsystemconfigs", scope: apiextensionsv1.NamespaceScoped, shortNames: []string{"osc"}},
	"SelfHostedShootExposure": {group: extensionsGroup, plural: "selfhostedshootexposures", scope: apiextensionsv1.NamespaceScoped, shortNames: []string{"exp"}},
	"Worker":                  {group: extensionsGroup, plural: "workers", scope: apiextensionsv1.NamespaceScoped},

	"Machine":           {group: machineGroup, plural: "machines", scope: apiextensionsv1.NamespaceScoped, shortNames: []string{"mc"}},
	"MachineClass":      {group: machineGroup, plural: "machineclasses", scope: apiextensionsv1.NamespaceScoped, shortNames: []string{"mcc"}, plain: true},
	"MachineDeployment": {group: machineGroup, plural: "machinedeployments", scope: apiextensionsv1.NamespaceScoped, shortNames: []string{"mcd"}},
	"MachineSet":        {group: machineGroup, plural: "machinesets", scope: apiextensionsv1.NamespaceScoped, shortNames: []string{"mcs"}},
}

func TestCRDs(t *testing.T) {
	crds, err := extensioncrds.CRDs()
	if err != nil {
		t.Fatal(err)
	}
	byKind := map[string]*apiextensionsv1.CustomResourceDefinition{}
	for _, crd := range crds {
		byKind[crd.Spec.Names.Kind] = crd
	}
	if len(crds) != len(wantCRDs) || len(byKind) != len(wantCRDs) {
		t.Errorf("got %d CRDs of %d kinds, want one for each of the %d kinds", len(crds), len(byKind), len(wantCRDs))
	}
	for kind, want := range wantCRDs {
		t.Run(kind, func(t *testing.T) {
			g := NewWithT(t)
			crd, ok := byKind[kind]
			g.Expect(ok).To(BeTrue(), "no CRD for kind %s", kind)
			if !ok {
				return
			}
			g.Expect(crd.Name).To(Equal(want.plural + "." + want.group))
			g.Expect(crd.Spec.Group).To(Equal(want.group))
			g.Expect(crd.Spec.Scope).To(Equal(want.scope))
			g.Expect(crd.Spec.Names.Plural).To(Equal(want.plural))
			g.Expect(crd.Spec.Names.ListKind).To(Equal(kind + "List"))
			g.Expect(crd.Spec.Names.ShortNames).To(Equal(want.shortNames))
			g.Expect(crd.Spec.Versions).To(HaveLen(1))
			v := crd.Spec.Versions[0]
			g.Expect(v.Name).To(Equal("v1alpha1"))
			g.Expect(v.Served).To(BeTrue(), "served")
			g.Expect(v.Storage).To(BeTrue(), "storage")
			g.Expect(v.Schema).NotTo(BeNil())
			g.Expect(v.Schema.OpenAPIV3Schema).NotTo(BeNil())
			if want.plain {
				g.Expect(v.Subresources).To(BeNil())
				return
			}
			g.Expect(v.Schema.OpenAPIV3Schema.Properties).To(HaveKey("spec"))
			g.Expect(v.Subresources).NotTo(BeNil())
			g.Expect(v.Subresources.Status).NotTo(BeNil(), "status subresource")
			g.Expect(v.AdditionalPrinterColumns).To(ContainElement(And(
				HaveField("Name", "Age"), HaveField("JSONPath", ".metadata.creationTimestamp"), HaveField("Type", "date"),
			)))
		})
	}
	t.Run("sorted by name", func(t *testing.T) {
		if !slices.IsSortedFunc(crds, func(a, b *apiextensionsv1.CustomResourceDefinition) int { return strings.Compare(a.Name, b.Name) }) {
			t.Error("CRDs are not sorted by name")
		}
	})
}

// TestCRDsCoverSchemeKinds checks that every kind that Gardener's extensions scheme and
// machine-controller-manager's machine scheme register has a CRD, so that a newer Gardener
// or MCM with a new kind fails here until wantCRDs lists it.
func TestCRDsCoverSchemeKinds(t *testing.T) {
	crds, err := extensioncrds.CRDs()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		addToScheme func(*runtime.Scheme) error
		gv          schema.GroupVersion
		pkg         string
	}{
		{
			name: "gardener extensions", addToScheme: extensionsv1alpha1.AddToScheme, gv: extensionsv1alpha1.SchemeGroupVersion,
			pkg: reflect.TypeFor[extensionsv1alpha1.Cluster]().PkgPath(),
		},
		{
			name: "machine-controller-manager", addToScheme: machinev1alpha1.AddToScheme, gv: machinev1alpha1.SchemeGroupVersion,
			pkg: reflect.TypeFor[machinev1alpha1.Machine]().PkgPath(),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			scheme := runtime.NewScheme()
			g.Expect(tc.addToScheme(scheme)).To(Succeed())
			var kinds []string
			for kind, typ := range scheme.KnownTypes(tc.gv) {
				if typ.PkgPath() == tc.pkg && !strings.HasSuffix(kind, "List") {
					kinds = append(kinds, kind)
				}
			}
			var got, want []string
			for _, crd := range crds {
				if crd.Spec.Group == tc.gv.Group {
					got = append(got, crd.Spec.Names.Kind)
				}
			}
			for kind, w := range wantCRDs {
				if w.group == tc.gv.Group {
					want = append(want, kind)
				}
			}
			slices.Sort(kinds)
			slices.Sort(got)
			slices.Sort(want)
			g.Expect(kinds).NotTo(BeEmpty())
			g.Expect(got).To(Equal(kinds), "CRD kinds against the kinds of the scheme")
			g.Expect(want).To(Equal(kinds), "wantCRDs against the kinds of the scheme")
		})
	}
}

func TestCRDsReturnsCopies(t *testing.T) {
	g := NewWithT(t)
	first, err := extensioncrds.CRDs()
	g.Expect(err).NotTo(HaveOccurred())
	name := first[0].Name
	first[0].Name = "changed"
	second, err := extensioncrds.CRDs()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(second[0].Name).To(Equal(name))
}

func TestInstall(t *testing.T) {
	crds, err := extensioncrds.CRDs()
	if err != nil {
		t.Fatal(err)
	}
	const (
		clusters = "clusters.extensions.gardener.cloud"
		workers  = "workers.extensions.gardener.cloud"
		machines = "machines.machine.sapcloud.io"
	)
	tests := []struct {
		name string
		// neverEstablished are CRDs that the fake cluster never marks Established.
		neverEstablished []string
		// failApply are CRDs whose apply fails.
		failApply []string
		// wantErr are substrings of the error; none means success.
		wantErr []string
	}{
		{name: "every CRD established"},
		{
			name:             "three CRDs never established",
			neverEstablished: []string{clusters, workers, machines},
			wantErr:          []string{"CRDs not established: " + clusters + ", " + workers + ", " + machines + ": "},
		},
		{
			name:      "apply fails",
			failApply: []string{workers},
			wantErr:   []string{"applying CRD " + workers + ": boom"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			c := fakeCluster(t, tc.neverEstablished, tc.failApply)
			// The deadline only bounds the cases that must fail; the others return as
			// soon as every CRD is established.
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			err := extensioncrds.Install(ctx, c)
			if len(tc.wantErr) == 0 {
				g.Expect(err).NotTo(HaveOccurred())
			} else {
				g.Expect(err).To(HaveOccurred())
				for _, s := range tc.wantErr {
					g.Expect(err.Error()).To(ContainSubstring(s))
				}
				return
			}
			for _, want := range crds {
				got := &apiextensionsv1.CustomResourceDefinition{}
				g.Expect(c.Get(ctx, client.ObjectKey{Name: want.Name}, got)).To(Succeed())
				g.Expect(got.Spec.Names).To(Equal(want.Spec.Names))
				g.Expect(got.ManagedFields).To(ContainElement(And(
					HaveField("Manager", extensioncrds.FieldManager), HaveField("Operation", metav1.ManagedFieldsOperationApply),
				)))
			}
		})
	}
}

// fakeCluster returns a fake client that marks every CRD but those of neverEstablished
// Established when read, and fails applying those of failApply.
func fakeCluster(t *testing.T, neverEstablished, failApply []string) client.Client {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	return fake.NewClientBuilder().WithScheme(scheme).WithReturnManagedFields().WithInterceptorFuncs(interceptor.Funcs{
		Apply: func(ctx context.Context, c client.WithWatch, obj runtime.ApplyConfiguration, opts ...client.ApplyOption) error {
			if slices.Contains(failApply, applyName(t, obj)) {
				return errors.New("boom")
			}
			return c.Apply(ctx, obj, opts...)
		},
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if err := c.Get(ctx, key, obj, opts...); err != nil {
				return err
			}
			if u, ok := obj.(*unstructured.Unstructured); ok && !slices.Contains(neverEstablished, key.Name) {
				return unstructured.SetNestedSlice(u.Object, []any{map[string]any{"type": "Established", "status": "True"}}, "status", "conditions")
			}
			return nil
		},
	}).Build()
}

// applyName returns metadata.name of an apply configuration, whatever its Go type.
func applyName(t *testing.T, obj runtime.ApplyConfiguration) string {
	t.Helper()
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m.Metadata.Name
}
