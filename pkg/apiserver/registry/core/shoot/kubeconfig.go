package shoot

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"slices"
	"time"

	authenticationapi "github.com/gardener/gardener/pkg/apis/authentication"
	authenticationv1alpha1 "github.com/gardener/gardener/pkg/apis/authentication/v1alpha1"
	"github.com/gardener/gardener/pkg/apis/core"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authentication/user"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/hortus-dev/hortus/pkg/pki"
)

// Names and keys of the shoot's CAs in its project namespace, as Gardener writes them.
const (
	// CAClientSuffix is the suffix of the InternalSecret "<shoot>.ca-client" with the shoot's
	// client CA: the certificate in ca.crt and its key in ca.key.
	CAClientSuffix = ".ca-client"
	// CAClusterSuffix is the suffix of the ConfigMap "<shoot>.ca-cluster" with the CA bundle
	// of the shoot's kube-apiserver in ca.crt.
	CAClusterSuffix = ".ca-cluster"
	// DataKeyCertificateCA and DataKeyPrivateKeyCA are the keys of a CA's certificate and key.
	DataKeyCertificateCA = "ca.crt"
	DataKeyPrivateKeyCA  = "ca.key"
)

// Limits of spec.expirationSeconds, as Gardener validates them. The default, one hour, is
// set by the defaulting of authentication.gardener.cloud/v1alpha1.
const (
	MinKubeconfigExpiration = 10 * time.Minute
	maxKubeconfigExpiration = math.MaxUint32 * time.Second
	// DefaultKubeconfigMaxExpiration is the longest validity a kubeconfig gets; a request for
	// more gets this much, as in Gardener (--shoot-admin-kubeconfig-max-expiration).
	DefaultKubeconfigMaxExpiration = 24 * time.Hour
)

// kubeAPIServerAddresses are the names of the advertised addresses that lead to the shoot's
// kube-apiserver; others (such as the service account issuer) do not.
var kubeAPIServerAddresses = []string{
	v1beta1constants.AdvertisedAddressExternal,
	v1beta1constants.AdvertisedAddressInternal,
	v1beta1constants.AdvertisedAddressWildcardTLSSeedBound,
	v1beta1constants.AdvertisedAddressUnmanaged,
}

// KubeconfigOptions are what the kubeconfig subresources read and how long their
// certificates live.
type KubeconfigOptions struct {
	// Scheme converts the requests to authentication.gardener.cloud's internal
	// KubeconfigRequest and back.
	Scheme *runtime.Scheme
	// Shoots reads the shoot, InternalSecrets its client CA "<shoot>.ca-client"; both are
	// Hortus' own stores, read in the request's namespace.
	Shoots, InternalSecrets rest.Getter
	// ConfigMaps reads the ConfigMap "<shoot>.ca-cluster" from the garden kube-apiserver.
	ConfigMaps typedcorev1.ConfigMapsGetter
	// MaxExpiration caps spec.expirationSeconds; zero means DefaultKubeconfigMaxExpiration.
	MaxExpiration time.Duration
}

// KubeconfigREST serves shoots/adminkubeconfig and shoots/viewerkubeconfig, like Gardener:
// a POST of an authentication.gardener.cloud/v1alpha1 AdminKubeconfigRequest or
// ViewerKubeconfigRequest returns, in status.kubeconfig, a kubeconfig for the shoot with a
// client certificate for the requesting user, signed by the shoot's client CA and valid
// for spec.expirationSeconds. It has a cluster and a context per advertised kube-apiserver
// address; the first is the current context.
//
// Who may ask is the garden's RBAC: verb create on shoots/adminkubeconfig or
// shoots/viewerkubeconfig in the shoot's namespace.
type KubeconfigREST struct {
	opts KubeconfigOptions
	gvk  schema.GroupVersionKind
	// newFunc returns an empty request of the endpoint's kind.
	newFunc func() runtime.Object
	// groups are the groups of the client certificate.
	groups []string
}

var (
	_ rest.NamedCreater             = &KubeconfigREST{}
	_ rest.GroupVersionKindProvider = &KubeconfigREST{}
)

// NewAdminKubeconfigREST returns the endpoint of shoots/adminkubeconfig. Its certificates
// carry the group system:masters, which the shoot's kube-apiserver grants everything.
func NewAdminKubeconfigREST(opts KubeconfigOptions) *KubeconfigREST {
	return &KubeconfigREST{
		opts:    opts,
		gvk:     authenticationv1alpha1.SchemeGroupVersion.WithKind("AdminKubeconfigRequest"),
		newFunc: func() runtime.Object { return &authenticationv1alpha1.AdminKubeconfigRequest{} },
		groups:  []string{user.SystemPrivilegedGroup},
	}
}

// NewViewerKubeconfigREST returns the endpoint of shoots/viewerkubeconfig. Its
// certificates carry the group gardener.cloud:system:viewers, which the shoot's control
// plane binds to read-only rights.
func NewViewerKubeconfigREST(opts KubeconfigOptions) *KubeconfigREST {
	return &KubeconfigREST{
		opts:    opts,
		gvk:     authenticationv1alpha1.SchemeGroupVersion.WithKind("ViewerKubeconfigRequest"),
		newFunc: func() runtime.Object { return &authenticationv1alpha1.ViewerKubeconfigRequest{} },
		groups:  []string{v1beta1constants.ShootSystemViewersGroupName},
	}
}

// New implements rest.Storage.
func (r *KubeconfigREST) New() runtime.Object { return r.newFunc() }

// Destroy implements rest.Storage; the stores it reads belong to their own endpoints.
func (r *KubeconfigREST) Destroy() {}

// GroupVersionKind implements rest.GroupVersionKindProvider: the request is of
// authentication.gardener.cloud/v1alpha1, whichever version of core.gardener.cloud serves it.
func (r *KubeconfigREST) GroupVersionKind(schema.GroupVersion) schema.GroupVersionKind { return r.gvk }

// Create implements rest.NamedCreater: it issues a kubeconfig for the shoot name.
func (r *KubeconfigREST) Create(ctx context.Context, name string, obj runtime.Object, createValidation rest.ValidateObjectFunc, _ *metav1.CreateOptions) (runtime.Object, error) {
	if createValidation != nil {
		if err := createValidation(ctx, obj.DeepCopyObject()); err != nil {
			return nil, err
		}
	}
	req := &authenticationapi.KubeconfigRequest{}
	if err := r.opts.Scheme.Convert(obj, req, nil); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("reading the %s: %v", r.gvk.Kind, err))
	}
	if errs := ValidateKubeconfigRequest(req); len(errs) > 0 {
		return nil, apierrors.NewInvalid(r.gvk.GroupKind(), name, errs)
	}
	requester, ok := genericapirequest.UserFrom(ctx)
	if !ok || requester.GetName() == "" {
		return nil, apierrors.NewBadRequest("no user in the request")
	}

	shootObj, err := r.opts.Shoots.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	shoot, ok := shootObj.(*core.Shoot)
	if !ok {
		return nil, apierrors.NewInternalError(fmt.Errorf("the shoot store returned a %T", shootObj))
	}
	addresses := advertisedKubeAPIServerAddresses(shoot)
	if len(addresses) == 0 {
		return nil, notReady(shoot, "no advertised addresses")
	}
	clientCA, err := r.clientCA(ctx, shoot)
	if err != nil {
		return nil, err
	}
	clusterCA, err := r.clusterCA(ctx, shoot)
	if err != nil {
		return nil, err
	}

	validity := time.Duration(req.Spec.ExpirationSeconds) * time.Second
	if maxValidity := r.maxExpiration(); validity > maxValidity {
		validity = maxValidity
	}
	cert, err := clientCA.Issue(pki.CertConfig{
		CommonName:   requester.GetName(),
		Organization: r.groups,
		Client:       true,
		Validity:     validity,
	})
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("issuing the client certificate: %w", err))
	}
	kubeconfig, err := Kubeconfig(shoot, addresses, clusterCA, cert)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}

	req.Spec.ExpirationSeconds = int64(validity / time.Second)
	req.Status.Kubeconfig = kubeconfig
	req.Status.ExpirationTimestamp = metav1.NewTime(cert.Cert.NotAfter)
	if err := r.opts.Scheme.Convert(req, obj, nil); err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("writing the %s: %w", r.gvk.Kind, err))
	}
	return obj, nil
}

func (r *KubeconfigREST) maxExpiration() time.Duration {
	if r.opts.MaxExpiration > 0 {
		return r.opts.MaxExpiration
	}
	return DefaultKubeconfigMaxExpiration
}

// clientCA reads the shoot's client CA from the InternalSecret "<shoot>.ca-client".
func (r *KubeconfigREST) clientCA(ctx context.Context, shoot *core.Shoot) (*pki.CertKeyPair, error) {
	secretName := shoot.Name + CAClientSuffix
	obj, err := r.opts.InternalSecrets.Get(ctx, secretName, &metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, notReady(shoot, fmt.Sprintf("no client CA (InternalSecret %s)", secretName))
	}
	if err != nil {
		return nil, err
	}
	secret, ok := obj.(*core.InternalSecret)
	if !ok {
		return nil, apierrors.NewInternalError(fmt.Errorf("the InternalSecret store returned a %T", obj))
	}
	ca, err := pki.ParseCertKeyPair(secret.Data[DataKeyCertificateCA], secret.Data[DataKeyPrivateKeyCA])
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("reading the client CA from InternalSecret %s/%s: %w", shoot.Namespace, secretName, err))
	}
	return ca, nil
}

// clusterCA reads the CA bundle of the shoot's kube-apiserver from the garden ConfigMap
// "<shoot>.ca-cluster".
func (r *KubeconfigREST) clusterCA(ctx context.Context, shoot *core.Shoot) ([]byte, error) {
	name := shoot.Name + CAClusterSuffix
	if r.opts.ConfigMaps == nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("reading the cluster CA from ConfigMap %s/%s: the server has no garden client", shoot.Namespace, name))
	}
	cm, err := r.opts.ConfigMaps.ConfigMaps(shoot.Namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, notReady(shoot, fmt.Sprintf("no cluster CA (ConfigMap %s)", name))
	}
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("reading the cluster CA from ConfigMap %s/%s: %w", shoot.Namespace, name, err))
	}
	bundle := cm.Data[DataKeyCertificateCA]
	if bundle == "" {
		return nil, notReady(shoot, fmt.Sprintf("no %s in ConfigMap %s", DataKeyCertificateCA, name))
	}
	return []byte(bundle), nil
}

// notReady is the error for a shoot whose control plane does not have what a kubeconfig
// needs yet: a conflict with the shoot's state that a later request may not have.
func notReady(shoot *core.Shoot, what string) error {
	lastOperation := "none"
	if op := shoot.Status.LastOperation; op != nil {
		lastOperation = fmt.Sprintf("%s %s (%d%%)", op.Type, op.State, op.Progress)
	}
	return apierrors.NewConflict(core.Resource("shoots"), shoot.Name, fmt.Errorf(
		"the shoot's control plane is not ready yet: %s (lastOperation: %s); retry when the shoot is reconciled", what, lastOperation))
}

// advertisedKubeAPIServerAddresses returns the shoot's advertised addresses that lead to
// its kube-apiserver, in their order.
func advertisedKubeAPIServerAddresses(shoot *core.Shoot) []core.ShootAdvertisedAddress {
	var out []core.ShootAdvertisedAddress
	for _, a := range shoot.Status.AdvertisedAddresses {
		if slices.Contains(kubeAPIServerAddresses, a.Name) {
			out = append(out, a)
		}
	}
	return out
}

// Kubeconfig renders a kubeconfig for the shoot as Gardener does: a cluster and a context
// named "<namespace>--<shoot>-<address name>" per address, with the server
// https://<host of the address> and the cluster CA bundle (except for the
// wildcard-tls-seed-bound address, whose certificate is publicly trusted); one user named
// after the first cluster with cert's certificate and key; the first context is current.
func Kubeconfig(shoot *core.Shoot, addresses []core.ShootAdvertisedAddress, clusterCA []byte, cert *pki.CertKeyPair) ([]byte, error) {
	if len(addresses) == 0 {
		return nil, fmt.Errorf("kubeconfig for shoot %s/%s: no addresses", shoot.Namespace, shoot.Name)
	}
	prefix := shoot.Namespace + "--" + shoot.Name
	cfg := clientcmdapi.NewConfig()
	authInfo := prefix + "-" + addresses[0].Name
	cfg.AuthInfos[authInfo] = &clientcmdapi.AuthInfo{ClientCertificateData: cert.CertPEM, ClientKeyData: cert.KeyPEM}
	for i, a := range addresses {
		u, err := url.Parse(a.URL)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("advertised address %s of shoot %s/%s: %q is no URL with a host", a.Name, shoot.Namespace, shoot.Name, a.URL)
		}
		name := prefix + "-" + a.Name
		cluster := &clientcmdapi.Cluster{Server: "https://" + u.Host}
		if a.Name != v1beta1constants.AdvertisedAddressWildcardTLSSeedBound {
			cluster.CertificateAuthorityData = clusterCA
		}
		cfg.Clusters[name] = cluster
		cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: authInfo}
		if i == 0 {
			cfg.CurrentContext = name
		}
	}
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("encoding the kubeconfig for shoot %s/%s: %w", shoot.Namespace, shoot.Name, err)
	}
	return data, nil
}

// ValidateKubeconfigRequest validates a kubeconfig request as Gardener does:
// spec.expirationSeconds is at least ten minutes and at most 2^32-1 seconds.
func ValidateKubeconfigRequest(req *authenticationapi.KubeconfigRequest) field.ErrorList {
	var allErrs field.ErrorList
	path := field.NewPath("spec", "expirationSeconds")
	if seconds := req.Spec.ExpirationSeconds; seconds < int64(MinKubeconfigExpiration/time.Second) {
		allErrs = append(allErrs, field.Invalid(path, seconds, "may not specify a duration less than 10 minutes"))
	} else if seconds > int64(maxKubeconfigExpiration/time.Second) {
		allErrs = append(allErrs, field.Invalid(path, seconds, fmt.Sprintf("may not specify a duration longer than %d seconds", int64(math.MaxUint32))))
	}
	return allErrs
}
