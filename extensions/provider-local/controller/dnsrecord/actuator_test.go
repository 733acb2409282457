package dnsrecord_test

import (
	"context"
	"errors"
	"testing"

	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/extensions/provider-local/controller/dnsrecord"
	"github.com/hortus-dev/hortus/extensions/provider-local/providerstatus"
)

func TestReconcileAndDelete(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	s := runtime.NewScheme()
	g.Expect(extensionsv1alpha1.AddToScheme(s)).To(Succeed())
	g.Expect(corev1.AddToScheme(s)).To(Succeed())
	rec := &extensionsv1alpha1.DNSRecord{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shoot--p--s", Name: "s-external"},
		Spec: extensionsv1alpha1.DNSRecordSpec{
			Name: "api.s.p.local.gardener.cloud", RecordType: extensionsv1alpha1.DNSRecordTypeA,
			Values: []string{"127.0.0.1", "127.0.0.2"}, TTL: ptr.To[int64](60),
		},
	}
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(rec).WithStatusSubresource(rec).Build()
	a := &dnsrecord.Actuator{Client: c}
	g.Expect(a.Reconcile(ctx, logr.Discard(), rec, nil)).To(Succeed())

	cm := &corev1.ConfigMap{}
	g.Expect(c.Get(ctx, client.ObjectKey{Namespace: rec.Namespace, Name: "dnsrecord-s-external"}, cm)).To(Succeed())
	g.Expect(cm.Data).To(HaveKeyWithValue(dnsrecord.KeyName, "api.s.p.local.gardener.cloud"))
	g.Expect(cm.Data).To(HaveKeyWithValue(dnsrecord.KeyType, "A"))
	g.Expect(cm.Data).To(HaveKeyWithValue(dnsrecord.KeyValues, "127.0.0.1\n127.0.0.2"))
	g.Expect(cm.Data).To(HaveKeyWithValue(dnsrecord.KeyRecords, "api.s.p.local.gardener.cloud.\t60\tIN\tA\t127.0.0.1\napi.s.p.local.gardener.cloud.\t60\tIN\tA\t127.0.0.2\n"))
	g.Expect(cm.OwnerReferences).To(ConsistOf(HaveField("Name", rec.Name)))

	got := &extensionsv1alpha1.DNSRecord{}
	g.Expect(c.Get(ctx, client.ObjectKeyFromObject(rec), got)).To(Succeed())
	g.Expect(got.Status.Zone).To(Equal(ptr.To("s.p.local.gardener.cloud")))
	ps := &providerstatus.DNSRecordStatus{}
	g.Expect(providerstatus.Decode(got.Status.ProviderStatus, ps)).To(Succeed())
	g.Expect(ps).To(HaveField("FQDN", "api.s.p.local.gardener.cloud."))

	g.Expect(a.Delete(ctx, logr.Discard(), rec, nil)).To(Succeed())
	g.Expect(apierrors.IsNotFound(c.Get(ctx, client.ObjectKeyFromObject(cm), cm))).To(BeTrue())
	g.Expect(a.Delete(ctx, logr.Discard(), rec, nil)).To(Succeed(), "deleting twice")
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		spec    extensionsv1alpha1.DNSRecordSpec
		wantErr string
	}{
		{name: "IPv6 in A", spec: extensionsv1alpha1.DNSRecordSpec{Name: "a.b", RecordType: "A", Values: []string{"::1"}}, wantErr: "is not an IPv4 address"},
		{name: "IPv4 in AAAA", spec: extensionsv1alpha1.DNSRecordSpec{Name: "a.b", RecordType: "AAAA", Values: []string{"1.2.3.4"}}, wantErr: "is not an IPv6 address"},
		{name: "unknown type", spec: extensionsv1alpha1.DNSRecordSpec{Name: "a.b", RecordType: "MX", Values: []string{"x"}}, wantErr: `record type "MX" is not supported`},
		{name: "no values", spec: extensionsv1alpha1.DNSRecordSpec{Name: "a.b", RecordType: "A"}, wantErr: "has no spec.values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			rec := &extensionsv1alpha1.DNSRecord{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "r"}, Spec: tt.spec}
			err := (&dnsrecord.Actuator{}).Reconcile(context.Background(), logr.Discard(), rec, nil)
			g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
			g.Expect(errors.Is(err, reconcile.TerminalError(nil))).To(BeTrue())
		})
	}
}

func TestZone(t *testing.T) {
	g := NewWithT(t)
	g.Expect(dnsrecord.Zone(&extensionsv1alpha1.DNSRecord{Spec: extensionsv1alpha1.DNSRecordSpec{Name: "a.b.c", Zone: ptr.To("zone-id")}})).To(Equal("zone-id"))
	g.Expect(dnsrecord.Zone(&extensionsv1alpha1.DNSRecord{Spec: extensionsv1alpha1.DNSRecordSpec{Name: "a.b.c."}})).To(Equal("b.c"))
	g.Expect(dnsrecord.Zone(&extensionsv1alpha1.DNSRecord{Spec: extensionsv1alpha1.DNSRecordSpec{Name: "local"}})).To(Equal("local"))
}
