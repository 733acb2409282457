package providerstatus

import (
	"encoding/json"
	"fmt"
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// APIVersion is the apiVersion of every provider-local status document.
const APIVersion = "local.provider.extensions.gardener.cloud/v1alpha1"

// InfrastructureStatus is the providerStatus of an Infrastructure. provider-local creates
// no network: its machines are simulated nodes on the seed's host.
type InfrastructureStatus struct {
	metav1.TypeMeta `json:",inline"`
	// NodesCIDR is the node network of the shoot, from spec.networking.nodes or the default.
	NodesCIDR string `json:"nodesCIDR"`
	// NodesCIDRDefaulted is true when the shoot named no node network.
	NodesCIDRDefaulted bool `json:"nodesCIDRDefaulted,omitempty"`
	// Note says what the infrastructure is.
	Note string `json:"note"`
}

// ControlPlaneStatus is the providerStatus of a ControlPlane: what the controller saw of
// the shoot's kube-apiserver.
type ControlPlaneStatus struct {
	metav1.TypeMeta `json:",inline"`
	// ShootAPIServer is the result of the check through the Secret gardener.
	ShootAPIServer ShootAPIServerCheck `json:"shootAPIServer"`
}

// ShootAPIServerCheck is the result of one look at the shoot's kube-apiserver.
type ShootAPIServerCheck struct {
	// Checked is false when the seed namespace had no Secret gardener yet.
	Checked bool `json:"checked"`
	// URL is the server of the kubeconfig in the Secret gardener.
	URL string `json:"url,omitempty"`
	// GitVersion is what the server's /version reported.
	GitVersion string `json:"gitVersion,omitempty"`
	// Message says what was checked.
	Message string `json:"message"`
}

// NetworkStatus is the providerStatus of a Network.
type NetworkStatus struct {
	metav1.TypeMeta `json:",inline"`
	PodCIDR         string `json:"podCIDR"`
	ServiceCIDR     string `json:"serviceCIDR"`
	// CNI is "none": simulated nodes run no pods, so no CNI plugin is deployed.
	CNI string `json:"cni"`
	// Note explains the missing CNI.
	Note string `json:"note"`
}

// DNSRecordStatus is the providerStatus of a DNSRecord: where the record is kept.
type DNSRecordStatus struct {
	metav1.TypeMeta `json:",inline"`
	// ConfigMap is the name of the ConfigMap in the record's namespace that holds it.
	ConfigMap string `json:"configMap"`
	// FQDN is the record's fully qualified name, with the trailing dot.
	FQDN string `json:"fqdn"`
}

// BackupBucketStatus is the providerStatus of a BackupBucket.
type BackupBucketStatus struct {
	metav1.TypeMeta `json:",inline"`
	// Path is the bucket's directory.
	Path string `json:"path"`
}

// BackupEntryStatus is the providerStatus of a BackupEntry.
type BackupEntryStatus struct {
	metav1.TypeMeta `json:",inline"`
	// Path is the entry's directory inside its bucket's directory.
	Path string `json:"path"`
}

// OperatingSystemConfigStatus is the providerStatus of an OperatingSystemConfig.
type OperatingSystemConfigStatus struct {
	metav1.TypeMeta `json:",inline"`
	// BootstrapTokenID is the id of the bootstrap token in the user data; its Secret is
	// bootstrap-token-<id> in the shoot's kube-system.
	BootstrapTokenID string `json:"bootstrapTokenID"`
	// BootstrapTokenExpiration is when that token expires.
	BootstrapTokenExpiration metav1.Time `json:"bootstrapTokenExpiration"`
	// APIServerURL is the shoot API server the machines bootstrap against.
	APIServerURL string `json:"apiServerURL"`
}

// Object is one of this package's status documents.
type Object interface {
	*InfrastructureStatus | *ControlPlaneStatus | *NetworkStatus | *DNSRecordStatus |
		*BackupBucketStatus | *BackupEntryStatus | *OperatingSystemConfigStatus
}

// Encode returns the document as a RawExtension for status.providerStatus, with
// apiVersion and kind set from its Go type.
func Encode[T Object](s T) (*runtime.RawExtension, error) {
	kindOf(s).SetGroupVersionKind(gvk(s))
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encoding the provider status: %w", err)
	}
	return &runtime.RawExtension{Raw: b}, nil
}

// Decode reads a providerStatus into s and checks its apiVersion and kind.
func Decode[T Object](raw *runtime.RawExtension, s T) error {
	want := gvk(s)
	if raw == nil || len(raw.Raw) == 0 {
		return fmt.Errorf("no providerStatus of kind %s: the provider-local controller has not reconciled the object yet", want.Kind)
	}
	if err := json.Unmarshal(raw.Raw, s); err != nil {
		return fmt.Errorf("decoding the providerStatus: %w", err)
	}
	if got := kindOf(s).GroupVersionKind(); got != want {
		return fmt.Errorf("providerStatus is %s, want %s", got, want)
	}
	return nil
}

func kindOf(s any) schema.ObjectKind { return s.(schema.ObjectKind) }

// gvk is the group, version and kind of s: the kind is the Go type's name.
func gvk(s any) schema.GroupVersionKind {
	return schema.FromAPIVersionAndKind(APIVersion, reflect.TypeOf(s).Elem().Name())
}
