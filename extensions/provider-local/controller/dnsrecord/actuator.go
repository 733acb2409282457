package dnsrecord

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/extensions/pkg/extension"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller"
	"github.com/hortus-dev/hortus/extensions/provider-local/providerstatus"
)

// The keys of a record's ConfigMap.
const (
	KeyName   = "name"
	KeyType   = "recordType"
	KeyValues = "values" // one value a line
	KeyTTL    = "ttl"
	KeyZone   = "zone"
	// KeyRecords holds the record in zone file syntax, one line per value.
	KeyRecords = "records"
)

// DefaultTTL is the TTL of a record whose spec.ttl is empty, in seconds.
const DefaultTTL = 120

// ConfigMapName returns the name of the ConfigMap that keeps the DNSRecord name.
func ConfigMapName(name string) string { return "dnsrecord-" + name }

// Actuator reconciles DNSRecords of type local.
type Actuator struct {
	// Client reaches the seed.
	Client client.Client
}

// AddToManager registers the DNSRecord controller with mgr.
func (a *Actuator) AddToManager(mgr manager.Manager, o controller.Options) error {
	return extension.Add(mgr, extension.Args[*extensionsv1alpha1.DNSRecord]{
		Name:                    controller.ControllerName(extensionsv1alpha1.DNSRecordResource),
		NewObject:               func() *extensionsv1alpha1.DNSRecord { return &extensionsv1alpha1.DNSRecord{} },
		Type:                    controller.Type,
		Actuator:                a,
		Finalizer:               controller.Finalizer(extensionsv1alpha1.DNSRecordResource),
		Clock:                   o.Clock,
		MaxConcurrentReconciles: o.MaxConcurrentReconciles,
	})
}

// Reconcile writes the record into its ConfigMap and sets status.zone.
func (a *Actuator) Reconcile(ctx context.Context, log logr.Logger, rec *extensionsv1alpha1.DNSRecord, _ *extension.Cluster) error {
	if err := validate(rec); err != nil {
		return reconcile.TerminalError(err)
	}
	zone := Zone(rec)
	fqdn := strings.TrimSuffix(rec.Spec.Name, ".") + "."
	ttl := ptr.Deref(rec.Spec.TTL, DefaultTTL)
	lines := make([]string, 0, len(rec.Spec.Values))
	for _, v := range rec.Spec.Values {
		if rec.Spec.RecordType == extensionsv1alpha1.DNSRecordTypeTXT {
			v = strconv.Quote(v)
		}
		lines = append(lines, fmt.Sprintf("%s\t%d\tIN\t%s\t%s", fqdn, ttl, rec.Spec.RecordType, v))
	}

	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: rec.Namespace, Name: ConfigMapName(rec.Name)}}
	if _, err := controllerutil.CreateOrUpdate(ctx, a.Client, cm, func() error {
		cm.Data = map[string]string{
			KeyName:    rec.Spec.Name,
			KeyType:    string(rec.Spec.RecordType),
			KeyValues:  strings.Join(rec.Spec.Values, "\n"),
			KeyTTL:     strconv.FormatInt(ttl, 10),
			KeyZone:    zone,
			KeyRecords: strings.Join(lines, "\n") + "\n",
		}
		return controllerutil.SetControllerReference(rec, cm, a.Client.Scheme())
	}); err != nil {
		return fmt.Errorf("writing the record into ConfigMap %s: %w", client.ObjectKeyFromObject(cm), err)
	}
	raw, err := providerstatus.Encode(&providerstatus.DNSRecordStatus{ConfigMap: cm.Name, FQDN: fqdn})
	if err != nil {
		return err
	}
	log.Info("Recorded the DNS record", "configMap", client.ObjectKeyFromObject(cm), "fqdn", fqdn, "recordType", rec.Spec.RecordType)
	return controller.PatchStatus(ctx, a.Client, rec, func(r *extensionsv1alpha1.DNSRecord) {
		r.Status.ProviderStatus = raw
		r.Status.Zone = ptr.To(zone)
	})
}

// Delete removes the record's ConfigMap.
func (a *Actuator) Delete(ctx context.Context, log logr.Logger, rec *extensionsv1alpha1.DNSRecord, _ *extension.Cluster) error {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: rec.Namespace, Name: ConfigMapName(rec.Name)}}
	if err := a.Client.Delete(ctx, cm); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting ConfigMap %s: %w", client.ObjectKeyFromObject(cm), err)
	}
	log.Info("Removed the DNS record", "configMap", client.ObjectKeyFromObject(cm))
	return nil
}

// Zone is the record's zone: spec.zone when set, else the parent domain of spec.name.
func Zone(rec *extensionsv1alpha1.DNSRecord) string {
	if z := ptr.Deref(rec.Spec.Zone, ""); z != "" {
		return z
	}
	name := strings.TrimSuffix(rec.Spec.Name, ".")
	if _, parent, ok := strings.Cut(name, "."); ok && parent != "" {
		return parent
	}
	return name
}

func validate(rec *extensionsv1alpha1.DNSRecord) error {
	if rec.Spec.Name == "" {
		return fmt.Errorf("DNSRecord %s has no spec.name", client.ObjectKeyFromObject(rec))
	}
	if len(rec.Spec.Values) == 0 {
		return fmt.Errorf("DNSRecord %s has no spec.values", client.ObjectKeyFromObject(rec))
	}
	for _, v := range rec.Spec.Values {
		switch rec.Spec.RecordType {
		case extensionsv1alpha1.DNSRecordTypeA, extensionsv1alpha1.DNSRecordTypeAAAA:
			addr, err := netip.ParseAddr(v)
			if err != nil || addr.Is4() != (rec.Spec.RecordType == extensionsv1alpha1.DNSRecordTypeA) {
				return fmt.Errorf("DNSRecord %s: value %q is not an IPv%s address; fix spec.values", client.ObjectKeyFromObject(rec), v, map[bool]string{true: "4", false: "6"}[rec.Spec.RecordType == extensionsv1alpha1.DNSRecordTypeA])
			}
		case extensionsv1alpha1.DNSRecordTypeCNAME, extensionsv1alpha1.DNSRecordTypeTXT:
		default:
			return fmt.Errorf("DNSRecord %s: record type %q is not supported; use A, AAAA, CNAME or TXT", client.ObjectKeyFromObject(rec), rec.Spec.RecordType)
		}
	}
	return nil
}
