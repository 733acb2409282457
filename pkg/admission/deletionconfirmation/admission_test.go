package deletionconfirmation_test

import (
	"context"
	"testing"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/admission/admissiontest"
	"github.com/hortus-dev/hortus/pkg/admission/deletionconfirmation"
)

const confirmation = "confirmation.gardener.cloud/deletion"

func shoot(annotations map[string]string) *core.Shoot {
	return &core.Shoot{ObjectMeta: metav1.ObjectMeta{Name: "test", Namespace: "garden-dev", Annotations: annotations}}
}

func v1beta1Shoot(name string, annotations map[string]string) *gardencorev1beta1.Shoot {
	return &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "garden-dev", Annotations: annotations}}
}

func TestDeleteWithStoredObject(t *testing.T) {
	tests := []struct {
		name        string
		kind        string
		obj         runtime.Object
		wantRefusal string
	}{
		{name: "a shoot without the annotation", kind: "Shoot", obj: shoot(nil),
			wantRefusal: `must have a "confirmation.gardener.cloud/deletion" annotation to delete; confirm the deletion with: kubectl annotate shoot test -n garden-dev confirmation.gardener.cloud/deletion=true`},
		{name: "a shoot with the annotation false", kind: "Shoot", obj: shoot(map[string]string{confirmation: "false"}),
			wantRefusal: "confirmation.gardener.cloud/deletion"},
		{name: "a confirmed shoot", kind: "Shoot", obj: shoot(map[string]string{confirmation: "true"})},
		{name: "a project without the annotation", kind: "Project", obj: &core.Project{ObjectMeta: metav1.ObjectMeta{Name: "dev"}},
			wantRefusal: "kubectl annotate project dev confirmation.gardener.cloud/deletion=true"},
		{name: "a confirmed project", kind: "Project", obj: &core.Project{ObjectMeta: metav1.ObjectMeta{Name: "dev", Annotations: map[string]string{confirmation: "True"}}}},
		{name: "another kind", kind: "Seed", obj: &core.Seed{ObjectMeta: metav1.ObjectMeta{Name: "seed"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			r := admissiontest.Reader()
			err := deletionconfirmation.Check(context.Background(), admissiontest.Attributes(admission.Delete, tt.kind, nil, tt.obj), r, r)
			if tt.wantRefusal == "" {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
			g.Expect(err).To(MatchError(ContainSubstring(tt.wantRefusal)))
		})
	}
}

// attributesWithoutObject are the attributes of a DELETE whose stored object the server
// does not pass along.
func attributesWithoutObject(name string) admission.Attributes {
	gv := gardencorev1beta1.SchemeGroupVersion
	return admission.NewAttributesRecord(nil, nil, gv.WithKind("Shoot"), "garden-dev", name, gv.WithResource("shoots"), "",
		admission.Delete, &metav1.DeleteOptions{}, false, &user.DefaultInfo{Name: admissiontest.User})
}

func TestDeleteWithLookup(t *testing.T) {
	confirmed := map[string]string{confirmation: "true"}
	tests := []struct {
		name         string
		cached, live []client.Object
		attrs        admission.Attributes
		wantRefusal  string
	}{
		{
			name:   "confirmed in the cache",
			cached: []client.Object{v1beta1Shoot("test", confirmed)},
			attrs:  attributesWithoutObject("test"),
		},
		{
			name:   "confirmed a moment ago, which only the live lookup sees",
			cached: []client.Object{v1beta1Shoot("test", nil)},
			live:   []client.Object{v1beta1Shoot("test", confirmed)},
			attrs:  attributesWithoutObject("test"),
		},
		{
			name:        "not confirmed",
			cached:      []client.Object{v1beta1Shoot("test", nil)},
			live:        []client.Object{v1beta1Shoot("test", nil)},
			attrs:       attributesWithoutObject("test"),
			wantRefusal: "kubectl annotate shoot test -n garden-dev",
		},
		{
			name:   "deletecollection of confirmed shoots",
			cached: []client.Object{v1beta1Shoot("a", confirmed), v1beta1Shoot("b", confirmed)},
			attrs:  attributesWithoutObject(""),
		},
		{
			name:        "deletecollection with one shoot that is not confirmed",
			cached:      []client.Object{v1beta1Shoot("a", confirmed), v1beta1Shoot("b", nil)},
			attrs:       attributesWithoutObject(""),
			wantRefusal: "kubectl annotate shoot b -n garden-dev",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			err := deletionconfirmation.Check(context.Background(), tt.attrs, admissiontest.Reader(tt.cached...), admissiontest.Reader(tt.live...))
			if tt.wantRefusal == "" {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
			g.Expect(err).To(MatchError(ContainSubstring(tt.wantRefusal)))
		})
	}
}

func TestDualApproval(t *testing.T) {
	project := &gardencorev1beta1.Project{
		ObjectMeta: metav1.ObjectMeta{Name: "dev"},
		Spec: gardencorev1beta1.ProjectSpec{
			Namespace: ptr.To("garden-dev"),
			DualApprovalForDeletion: []gardencorev1beta1.DualApprovalForDeletion{{
				Resource:               "shoots",
				Selector:               metav1.LabelSelector{MatchLabels: map[string]string{"critical": "true"}},
				IncludeServiceAccounts: ptr.To(false),
			}},
		},
	}
	confirmedBy := func(who string, labels map[string]string) *core.Shoot {
		s := shoot(map[string]string{confirmation: "true", "deletion.gardener.cloud/confirmed-by": who})
		s.Labels = labels
		return s
	}
	critical := map[string]string{"critical": "true"}
	tests := []struct {
		name    string
		obj     *core.Shoot
		user    string
		refused bool
	}{
		{name: "the confirming user deletes a selected shoot", obj: confirmedBy("alice", critical), user: "alice", refused: true},
		{name: "another user deletes a selected shoot", obj: confirmedBy("alice", critical), user: "bob"},
		{name: "the confirming user deletes another shoot", obj: confirmedBy("alice", nil), user: "alice"},
		{name: "an excluded service account", obj: confirmedBy("system:serviceaccount:garden-dev:robot", critical), user: "system:serviceaccount:garden-dev:robot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			r := admissiontest.Reader(project)
			err := deletionconfirmation.Check(context.Background(), admissiontest.AttributesAs(admission.Delete, "Shoot", nil, tt.obj, tt.user), r, r)
			if !tt.refused {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "got %v", err)
			g.Expect(err).To(MatchError(ContainSubstring("another subject must perform the deletion")))
		})
	}
}

func TestConfirmedBy(t *testing.T) {
	const by = "deletion.gardener.cloud/confirmed-by"
	tests := []struct {
		name     string
		op       admission.Operation
		obj, old *core.Shoot
		want     map[string]string
	}{
		{name: "create confirmed", op: admission.Create, obj: shoot(map[string]string{confirmation: "true"}),
			want: map[string]string{confirmation: "true", by: admissiontest.User}},
		{name: "create with a forged value", op: admission.Create, obj: shoot(map[string]string{by: "mallory"}),
			want: map[string]string{}},
		{name: "confirm on update", op: admission.Update, obj: shoot(map[string]string{confirmation: "true"}), old: shoot(nil),
			want: map[string]string{confirmation: "true", by: admissiontest.User}},
		{name: "stay confirmed", op: admission.Update, obj: shoot(map[string]string{confirmation: "true", by: "mallory"}),
			old:  shoot(map[string]string{confirmation: "true", by: "bob"}),
			want: map[string]string{confirmation: "true", by: "bob"}},
		{name: "withdraw", op: admission.Update, obj: shoot(map[string]string{by: "bob"}),
			old:  shoot(map[string]string{confirmation: "true", by: "bob"}),
			want: map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			var old runtime.Object
			if tt.old != nil {
				old = tt.old
			}
			g.Expect(deletionconfirmation.New().Admit(context.Background(), admissiontest.Attributes(tt.op, "Shoot", tt.obj, old), nil)).To(Succeed())
			g.Expect(tt.obj.Annotations).To(Equal(tt.want))
		})
	}
}

func TestPlugin(t *testing.T) {
	g := NewWithT(t)
	p := deletionconfirmation.New()
	p.UseReaders(admissiontest.Reader(), nil)
	g.Expect(p.ValidateInitialization()).To(Succeed())
	for _, op := range []admission.Operation{admission.Create, admission.Update, admission.Delete} {
		g.Expect(p.Handles(op)).To(BeTrue())
	}
	g.Expect(p.Validate(context.Background(), admissiontest.Attributes(admission.Delete, "Shoot", nil, shoot(nil)), nil)).
		To(MatchError(ContainSubstring(confirmation)))
	g.Expect(p.Validate(context.Background(), admissiontest.Attributes(admission.Update, "Shoot", shoot(nil), shoot(nil)), nil)).
		To(Succeed(), "only deletions need the confirmation")
}
