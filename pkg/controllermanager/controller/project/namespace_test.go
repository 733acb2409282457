package project

import (
	"regexp"
	"testing"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

const (
	labelRole    = "gardener.cloud/role"
	labelProject = "project.gardener.cloud/name"
	annProject   = "namespace.gardener.cloud/project"
	annKeep      = "namespace.gardener.cloud/keep-after-project-deletion"
	annCreated   = "namespace.gardener.cloud/created-by-project-controller"
)

func ns(lbls, annotations map[string]string, refs ...metav1.OwnerReference) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "garden-dev", Labels: lbls, Annotations: annotations, OwnerReferences: refs}}
}

func devRef() metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: "core.gardener.cloud/v1beta1", Kind: "Project", Name: "dev", UID: "uid-dev", Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}
}

var devLabels = map[string]string{labelRole: "project", labelProject: "dev"}

func TestDefaultNamespaceName(t *testing.T) {
	g := NewWithT(t)
	a := &gardencorev1beta1.Project{ObjectMeta: metav1.ObjectMeta{Name: "dev", UID: "1"}}
	b := &gardencorev1beta1.Project{ObjectMeta: metav1.ObjectMeta{Name: "dev", UID: "2"}}
	g.Expect(DefaultNamespaceName(a)).To(MatchRegexp(`^garden-dev-[0-9a-f]{5}$`))
	g.Expect(DefaultNamespaceName(a)).To(Equal(DefaultNamespaceName(a.DeepCopy())), "stable")
	g.Expect(DefaultNamespaceName(a)).NotTo(Equal(DefaultNamespaceName(b)), "another instance, another namespace")
	g.Expect(regexp.MustCompile(`^[a-z0-9-]+$`).MatchString(DefaultNamespaceName(a))).To(BeTrue())
}

func TestNewNamespace(t *testing.T) {
	g := NewWithT(t)
	n := newNamespace(testProject(nil), "garden-dev")
	g.Expect(n.Labels).To(Equal(devLabels))
	g.Expect(n.Annotations).To(Equal(map[string]string{annProject: "uid-dev", annCreated: "true"}))
	g.Expect(n.OwnerReferences).To(ConsistOf(devRef()))
}

func TestAdoptNamespace(t *testing.T) {
	otherController := metav1.OwnerReference{APIVersion: "v1", Kind: "Other", Name: "x", UID: "uid-x", Controller: ptr.To(true)}
	tests := []struct {
		name        string
		ns          *corev1.Namespace
		wantErr     string
		wantChanged bool
		// want is ns after adoption.
		want *corev1.Namespace
	}{
		{
			name:        "a labelled namespace is adopted and kept after the project",
			ns:          ns(map[string]string{labelRole: "project", labelProject: "dev", "team": "a"}, nil),
			wantChanged: true,
			want:        ns(map[string]string{labelRole: "project", labelProject: "dev", "team": "a"}, map[string]string{annProject: "uid-dev", annKeep: "true"}, devRef()),
		},
		{
			name:        "the namespace the controller created stays as it is",
			ns:          ns(devLabels, map[string]string{annProject: "uid-dev", annCreated: "true"}, devRef()),
			wantChanged: false,
			want:        ns(devLabels, map[string]string{annProject: "uid-dev", annCreated: "true"}, devRef()),
		},
		{
			name:        "a created namespace that lost its owner reference gets it back, and is not kept",
			ns:          ns(devLabels, map[string]string{annProject: "uid-dev", annCreated: "true"}),
			wantChanged: true,
			want:        ns(devLabels, map[string]string{annProject: "uid-dev", annCreated: "true"}, devRef()),
		},
		{
			name:        "another controller stays the controller",
			ns:          ns(devLabels, nil, otherController),
			wantChanged: true,
			want: ns(devLabels, map[string]string{annProject: "uid-dev", annKeep: "true"}, otherController, metav1.OwnerReference{
				APIVersion: "core.gardener.cloud/v1beta1", Kind: "Project", Name: "dev", UID: "uid-dev", BlockOwnerDeletion: ptr.To(true),
			}),
		},
		{
			name:    "a namespace without labels is refused",
			ns:      ns(nil, nil),
			wantErr: `namespace "garden-dev" cannot be adopted: it needs the labels gardener.cloud/role=project and project.gardener.cloud/name=dev`,
		},
		{
			name:    "a namespace with the project name label only is refused",
			ns:      ns(map[string]string{labelProject: "dev"}, nil),
			wantErr: "cannot be adopted",
		},
		{
			name:    "the namespace of another project is refused",
			ns:      ns(map[string]string{labelRole: "project", labelProject: "prod"}, nil),
			wantErr: `namespace "garden-dev" belongs to project "prod"`,
		},
		{
			name:    "the namespace of an earlier project of the same name is refused",
			ns:      ns(devLabels, map[string]string{annProject: "uid-old"}),
			wantErr: `namespace "garden-dev" is in use by another project named "dev" (UID uid-old)`,
		},
		{
			name: "a terminating namespace is refused",
			ns: func() *corev1.Namespace {
				n := ns(devLabels, map[string]string{annProject: "uid-dev"}, devRef())
				n.DeletionTimestamp = &metav1.Time{}
				return n
			}(),
			wantErr: `namespace "garden-dev" is being deleted`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			before := tt.ns.DeepCopy()
			changed, err := adoptNamespace(testProject(nil), tt.ns)
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				g.Expect(tt.ns).To(Equal(before), "a refused namespace is not changed")
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(changed).To(Equal(tt.wantChanged))
			g.Expect(tt.ns).To(Equal(tt.want))
		})
	}
}

func TestNamespaceRelease(t *testing.T) {
	terminating := ns(devLabels, map[string]string{annProject: "uid-dev"})
	terminating.DeletionTimestamp = &metav1.Time{}
	tests := []struct {
		name string
		ns   *corev1.Namespace
		want releaseAction
	}{
		{name: "gone", ns: nil, want: releaseNothing},
		{name: "terminating", ns: terminating, want: releaseNothing},
		{name: "created by the controller", ns: ns(devLabels, map[string]string{annProject: "uid-dev", annCreated: "true"}, devRef()), want: releaseDelete},
		{name: "adopted", ns: ns(devLabels, map[string]string{annProject: "uid-dev", annKeep: "true"}, devRef()), want: releaseKeep},
		{name: "keep annotation false", ns: ns(devLabels, map[string]string{annProject: "uid-dev", annKeep: "false"}), want: releaseDelete},
		{name: "labelled for another project", ns: ns(map[string]string{labelRole: "project", labelProject: "prod"}, nil), want: releaseNothing},
		{name: "not labelled", ns: ns(nil, nil), want: releaseNothing},
		{name: "of an earlier project of the same name", ns: ns(devLabels, map[string]string{annProject: "uid-old"}), want: releaseNothing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			NewWithT(t).Expect(namespaceRelease(testProject(nil), tt.ns)).To(Equal(tt.want))
		})
	}
}

func TestStripNamespace(t *testing.T) {
	g := NewWithT(t)
	other := metav1.OwnerReference{APIVersion: "v1", Kind: "Other", Name: "x", UID: "uid-x"}
	n := ns(map[string]string{labelRole: "project", labelProject: "dev", "team": "a"},
		map[string]string{annProject: "uid-dev", annKeep: "true", "note": "x"}, other, devRef())
	stripNamespace(testProject(nil), n)
	g.Expect(n).To(Equal(ns(map[string]string{"team": "a"}, map[string]string{"note": "x"}, other)))
}
