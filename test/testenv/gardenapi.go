package testenv

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/component/hortusapiserver"
	"github.com/hortus-dev/hortus/pkg/component/kubeapiserver"
	"github.com/hortus-dev/hortus/pkg/pki"
)

// The garden API: the Hortus API server behind the kube-apiserver.
const (
	// GardenAPIUser is the user the Hortus API server authenticates as at the
	// kube-apiserver, for delegated authentication, authorization and admission.
	GardenAPIUser = "hortus-apiserver"
	// GardenAPIServiceNamespace and GardenAPIServiceName name the Service that the
	// APIServices point to.
	GardenAPIServiceNamespace = "kube-system"
	GardenAPIServiceName      = "hortus-apiserver"
)

// GardenAPIServices are the APIServices that StartGardenAPI registers, with their version
// priority: v1beta1 is core.gardener.cloud's preferred version, as in Gardener.
var GardenAPIServices = []struct {
	Group, Version  string
	VersionPriority int64
}{
	{"core.gardener.cloud", "v1beta1", 20},
	{"core.gardener.cloud", "v1", 10},
	{"security.gardener.cloud", "v1alpha1", 10},
	{"seedmanagement.gardener.cloud", "v1alpha1", 10},
}

var apiServiceResource = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}

// StartGardenAPI deploys the Hortus API server (hortus apiserver) next to etcd and the
// kube-apiserver and registers it with the kube-apiserver's aggregation layer. It returns
// once every APIService is Available, so that the admin Config and kubectl reach
// core.gardener.cloud and its siblings through the kube-apiserver.
//
// Routing: the aggregator reaches an APIService's server through a Service. With
// --enable-aggregator-routing=true it picks an endpoint from the Service's
// EndpointSlices, but EndpointSlices (like Endpoints) refuse loopback addresses
// ("may not be in the loopback range"), and without kube-proxy a ClusterIP leads
// nowhere. So the test kube-apiserver runs with --enable-aggregator-routing=false (see
// Start), and the Service is of type ExternalName with the name "localhost": the
// aggregator's cluster resolver turns an ExternalName Service into
// https://<externalName>:<APIService port>, which is where the Hortus API server listens.
// The aggregator verifies the serving certificate for
// <service>.<namespace>.svc, so the certificate carries that name besides localhost. The
// Service port in the APIService is therefore the Hortus API server's real port.
func (e *Environment) StartGardenAPI(ctx context.Context) error {
	if e.GardenAPIURL != "" {
		return nil
	}
	p, err := e.Ports.Allocate(SetName, hortusapiserver.DefaultName)
	if err != nil {
		return fmt.Errorf("allocating the garden API port: %w", err)
	}
	port := p[hortusapiserver.DefaultName]
	serving, err := e.CA.Issue(pki.CertConfig{
		CommonName: hortusapiserver.DefaultName,
		DNSNames: []string{
			"localhost",
			GardenAPIServiceName + "." + GardenAPIServiceNamespace + ".svc",
			GardenAPIServiceName + "." + GardenAPIServiceNamespace + ".svc.cluster.local",
		},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		Server:      true,
	})
	if err != nil {
		return fmt.Errorf("issuing the garden API serving certificate: %w", err)
	}
	user, err := e.UserConfig(GardenAPIUser)
	if err != nil {
		return err
	}
	kubeconfig, err := pki.Kubeconfig{
		ClusterName:   "garden",
		Server:        user.Host,
		CAPEM:         user.CAData,
		UserName:      GardenAPIUser,
		ClientCertPEM: user.CertData,
		ClientKeyPEM:  user.KeyData,
	}.Bytes()
	if err != nil {
		return fmt.Errorf("writing the garden API kubeconfig: %w", err)
	}

	admin, err := kubernetes.NewForConfig(e.Config)
	if err != nil {
		return err
	}
	if err := grantGardenAPIRights(ctx, admin); err != nil {
		return err
	}

	cfg := hortusapiserver.Config{
		// Not needed to start (the kube-apiserver is ready already), but it makes Stop end
		// the Hortus API server before the kube-apiserver and etcd it talks to.
		DependsOn:         []string{kubeapiserver.DefaultName},
		SecurePort:        port,
		EtcdServers:       []string{e.EtcdURL},
		EtcdCAPEM:         e.EtcdCA.CertPEM,
		EtcdClientCertPEM: e.EtcdClient.CertPEM,
		EtcdClientKeyPEM:  e.EtcdClient.KeyPEM,
		CAPEM:             e.CA.CertPEM,
		ServingCertPEM:    serving.CertPEM,
		ServingKeyPEM:     serving.KeyPEM,
		GardenKubeconfig:  kubeconfig,
	}
	set := component.Set{Name: e.set.Name, Components: append(append([]component.Component{}, e.set.Components...), hortusapiserver.Build(cfg))}
	if err := e.Executor.Deploy(ctx, set); err != nil {
		return fmt.Errorf("starting the Hortus API server: %w", err)
	}
	e.set = set

	if err := registerGardenAPI(ctx, admin, e, port); err != nil {
		return err
	}
	e.GardenAPIURL = cfg.URL()
	return nil
}

// grantGardenAPIRights gives the Hortus API server's user what an aggregated API server
// needs at the kube-apiserver: TokenReviews and SubjectAccessReviews
// (system:auth-delegator), the front-proxy configuration in kube-system
// (extension-apiserver-authentication-reader), reading Namespaces and admission
// configurations for its admission plugins, and reading ConfigMaps for the shoots' cluster
// CAs ("<shoot>.ca-cluster") that shoots/adminkubeconfig and shoots/viewerkubeconfig put
// into kubeconfigs.
func grantGardenAPIRights(ctx context.Context, c kubernetes.Interface) error {
	subjects := []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: GardenAPIUser}}
	reader := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "hortus:apiserver"},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}},
			{APIGroups: []string{"admissionregistration.k8s.io"}, Resources: []string{
				"mutatingwebhookconfigurations", "validatingwebhookconfigurations",
				"mutatingadmissionpolicies", "mutatingadmissionpolicybindings",
				"validatingadmissionpolicies", "validatingadmissionpolicybindings",
			}, Verbs: []string{"get", "list", "watch"}},
		},
	}
	objects := []func() error{
		func() error { return apply(ctx, c.RbacV1().ClusterRoles(), reader) },
		func() error {
			return apply(ctx, c.RbacV1().ClusterRoleBindings(), &rbacv1.ClusterRoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: "hortus:apiserver"},
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: reader.Name},
				Subjects:   subjects,
			})
		},
		func() error {
			return apply(ctx, c.RbacV1().ClusterRoleBindings(), &rbacv1.ClusterRoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: "hortus:apiserver:auth-delegator"},
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "system:auth-delegator"},
				Subjects:   subjects,
			})
		},
		func() error {
			return apply(ctx, c.RbacV1().RoleBindings(metav1.NamespaceSystem), &rbacv1.RoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: "hortus:apiserver:authentication-reader", Namespace: metav1.NamespaceSystem},
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "extension-apiserver-authentication-reader"},
				Subjects:   subjects,
			})
		},
	}
	for _, create := range objects {
		if err := create(); err != nil {
			return fmt.Errorf("granting the Hortus API server its rights: %w", err)
		}
	}
	return nil
}

// creator is the Create method of a typed client.
type creator[T any] interface {
	Create(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error)
}

// apply creates obj; an object that already exists (after a restart on the same state
// dir) is left as it is.
func apply[T any](ctx context.Context, c creator[T], obj T) error {
	if _, err := c.Create(ctx, obj, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return nil
}

// registerGardenAPI creates the ExternalName Service and the APIServices, and waits until
// every APIService is Available.
func registerGardenAPI(ctx context.Context, admin kubernetes.Interface, e *Environment, port int) error {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: GardenAPIServiceName, Namespace: GardenAPIServiceNamespace},
		Spec: corev1.ServiceSpec{
			Type:         corev1.ServiceTypeExternalName,
			ExternalName: "localhost",
		},
	}
	if err := apply(ctx, admin.CoreV1().Services(GardenAPIServiceNamespace), svc); err != nil {
		return fmt.Errorf("creating the garden API Service: %w", err)
	}
	dyn, err := dynamic.NewForConfig(e.Config)
	if err != nil {
		return err
	}
	apiServices := dyn.Resource(apiServiceResource)
	var names []string
	for _, s := range GardenAPIServices {
		name := s.Version + "." + s.Group
		names = append(names, name)
		obj := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "apiregistration.k8s.io/v1",
			"kind":       "APIService",
			"metadata":   map[string]any{"name": name},
			"spec": map[string]any{
				"group":                s.Group,
				"version":              s.Version,
				"groupPriorityMinimum": int64(10000),
				"versionPriority":      s.VersionPriority,
				// caBundle is []byte in the typed API, base64 in JSON.
				"caBundle": base64.StdEncoding.EncodeToString(e.CA.CertPEM),
				"service": map[string]any{
					"namespace": GardenAPIServiceNamespace,
					"name":      GardenAPIServiceName,
					"port":      int64(port),
				},
			},
		}}
		existing, err := apiServices.Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			_, err = apiServices.Create(ctx, obj, metav1.CreateOptions{})
		case err == nil:
			obj.SetResourceVersion(existing.GetResourceVersion())
			_, err = apiServices.Update(ctx, obj, metav1.UpdateOptions{})
		}
		if err != nil {
			return fmt.Errorf("registering APIService %s: %w", name, err)
		}
	}
	if err := waitForAPIServices(ctx, apiServices, names); err != nil {
		return err
	}
	return waitForDiscovery(ctx, admin)
}

// waitForDiscovery waits up to a minute until the kube-apiserver's discovery lists the
// resources of every APIService. The aggregator updates its discovery document a little
// after an APIService becomes Available, and clients with a discovery-based REST mapper
// (controller-runtime, kubectl) fail until it has.
func waitForDiscovery(ctx context.Context, admin kubernetes.Interface) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		_, lists, err := admin.Discovery().ServerGroupsAndResources()
		if err != nil {
			last = err
			return false, nil //nolint:nilerr // retried until the timeout, which reports the last error
		}
		served := map[string]bool{}
		for _, l := range lists {
			if len(l.APIResources) > 0 {
				served[l.GroupVersion] = true
			}
		}
		for _, s := range GardenAPIServices {
			if gv := s.Group + "/" + s.Version; !served[gv] {
				last = fmt.Errorf("discovery does not list %s yet", gv)
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for the discovery of the garden API: %w", errors.Join(err, last))
	}
	return nil
}

// waitForAPIServices waits up to a minute until the named APIServices are Available.
func waitForAPIServices(ctx context.Context, apiServices dynamic.NamespaceableResourceInterface, names []string) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		for _, name := range names {
			obj, err := apiServices.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				last = err
				return false, nil //nolint:nilerr // retried until the timeout, which reports the last error
			}
			conditions, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
			available := false
			for _, c := range conditions {
				m, _ := c.(map[string]any)
				if m["type"] == "Available" {
					available = m["status"] == "True"
					last = fmt.Errorf("APIService %s is not available: %v: %v", name, m["reason"], m["message"])
				}
			}
			if !available {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for the garden APIServices: %w", errors.Join(err, last))
	}
	return nil
}
