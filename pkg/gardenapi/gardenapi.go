package gardenapi

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
	"k8s.io/client-go/util/retry"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/component/hortusapiserver"
	"github.com/hortus-dev/hortus/pkg/component/kubeapiserver"
	"github.com/hortus-dev/hortus/pkg/localcluster"
	"github.com/hortus-dev/hortus/pkg/pki"
)

const (
	// ComponentName is the name of the component that Component describes.
	ComponentName = hortusapiserver.DefaultName
	// User is the user the Hortus API server authenticates as at the kube-apiserver, for
	// delegated authentication, authorization and admission.
	User = "hortus-apiserver"
	// ServiceNamespace and ServiceName name the Service that the APIServices point to.
	ServiceNamespace = "kube-system"
	ServiceName      = "hortus-apiserver"
	// WaitTimeout bounds each of Register's waits: for the APIServices to become
	// Available, and for the kube-apiserver's discovery to list them. A shorter deadline
	// of the context wins.
	WaitTimeout = time.Minute
)

// servingName is the pair that Component keeps its serving certificate in.
const servingName = "hortus-apiserver"

// APIService is a group version that the Hortus API server serves, with its version
// priority.
type APIService struct {
	Group, Version  string
	VersionPriority int64
}

// Name is the name of the APIService object: <version>.<group>.
func (s APIService) Name() string { return s.Version + "." + s.Group }

// APIServices are the APIServices that Register creates. v1beta1 is core.gardener.cloud's
// preferred version, as in Gardener.
var APIServices = []APIService{
	{"core.gardener.cloud", "v1beta1", 20},
	{"core.gardener.cloud", "v1", 10},
	{"security.gardener.cloud", "v1alpha1", 10},
	{"seedmanagement.gardener.cloud", "v1alpha1", 10},
}

var apiServiceResource = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}

// Component describes `hortus apiserver` (named ComponentName) for the cluster c,
// listening on 127.0.0.1:port and storing its data in c's etcd. Its serving certificate
// (signed by c.CA, for localhost and the Service's names) is kept in pkiDir, usually
// c.PKIDir, and the client certificate of User in its kubeconfig comes from
// c.PersistentUserConfig. Both are reused like c's own (localcluster.Options.PKIDir), so
// that the description stays the same across restarts. It depends on the kube-apiserver,
// so that the executor stops it first.
func Component(c *localcluster.Cluster, pkiDir string, port int) (component.Component, error) {
	serving, err := pki.LoadOrIssue(pkiDir, servingName, c.CA, pki.CertConfig{
		CommonName: ComponentName,
		DNSNames: []string{
			"localhost",
			ServiceName + "." + ServiceNamespace + ".svc",
			ServiceName + "." + ServiceNamespace + ".svc.cluster.local",
		},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		Server:      true,
		Validity:    localcluster.LeafValidity,
	}, time.Now())
	if err != nil {
		return component.Component{}, fmt.Errorf("the Hortus API server's serving certificate: %w", err)
	}
	user, err := c.PersistentUserConfig(User)
	if err != nil {
		return component.Component{}, err
	}
	kubeconfig, err := c.Kubeconfig(user, "garden", User)
	if err != nil {
		return component.Component{}, fmt.Errorf("the Hortus API server's kubeconfig: %w", err)
	}
	return hortusapiserver.Build(hortusapiserver.Config{
		// Not needed to start (the kube-apiserver must be ready already, see GrantRights),
		// but it makes the executor stop the Hortus API server before the kube-apiserver
		// and etcd it talks to.
		DependsOn:         []string{kubeapiserver.DefaultName},
		SecurePort:        port,
		EtcdServers:       []string{c.EtcdURL},
		EtcdCAPEM:         c.EtcdCA.CertPEM,
		EtcdClientCertPEM: c.EtcdClient.CertPEM,
		EtcdClientKeyPEM:  c.EtcdClient.KeyPEM,
		CAPEM:             c.CA.CertPEM,
		ServingCertPEM:    serving.CertPEM,
		ServingKeyPEM:     serving.KeyPEM,
		GardenKubeconfig:  kubeconfig,
	}), nil
}

// GrantRights gives User what an aggregated API server needs at c's kube-apiserver:
// TokenReviews and SubjectAccessReviews (system:auth-delegator), the front-proxy
// configuration in kube-system (extension-apiserver-authentication-reader), reading
// Namespaces and admission configurations for its admission plugins, and reading
// ConfigMaps for the shoots' cluster CAs ("<shoot>.ca-cluster") that
// shoots/adminkubeconfig and shoots/viewerkubeconfig put into kubeconfigs. Call it before
// the Hortus API server starts: without these rights it exits. Objects that exist already
// are left as they are.
func GrantRights(ctx context.Context, c *localcluster.Cluster) error {
	admin, err := kubernetes.NewForConfig(c.Admin)
	if err != nil {
		return err
	}
	subjects := []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: User}}
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
		func() error { return create(ctx, admin.RbacV1().ClusterRoles(), reader) },
		func() error {
			return create(ctx, admin.RbacV1().ClusterRoleBindings(), &rbacv1.ClusterRoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: "hortus:apiserver"},
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: reader.Name},
				Subjects:   subjects,
			})
		},
		func() error {
			return create(ctx, admin.RbacV1().ClusterRoleBindings(), &rbacv1.ClusterRoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: "hortus:apiserver:auth-delegator"},
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "system:auth-delegator"},
				Subjects:   subjects,
			})
		},
		func() error {
			return create(ctx, admin.RbacV1().RoleBindings(metav1.NamespaceSystem), &rbacv1.RoleBinding{
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

// create creates obj; an object that already exists (after a restart on the same state
// dir) is left as it is.
func create[T any](ctx context.Context, c creator[T], obj T) error {
	if _, err := c.Create(ctx, obj, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return nil
}

// Register makes c's kube-apiserver serve APIServices through the Hortus API server that
// listens on port: it creates the ExternalName Service and creates or updates the
// APIServices (with c.CA as their CA bundle). Then it waits until every APIService is
// Available and the kube-apiserver's discovery lists their resources, each for at most
// WaitTimeout, so that clients with a discovery-based REST mapper work right away. Call it
// once the Hortus API server runs; see the package documentation for the routing.
func Register(ctx context.Context, c *localcluster.Cluster, port int) error {
	admin, err := kubernetes.NewForConfig(c.Admin)
	if err != nil {
		return err
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: ServiceName, Namespace: ServiceNamespace},
		Spec: corev1.ServiceSpec{
			Type:         corev1.ServiceTypeExternalName,
			ExternalName: "localhost",
		},
	}
	if err := create(ctx, admin.CoreV1().Services(ServiceNamespace), svc); err != nil {
		return fmt.Errorf("creating the garden API Service: %w", err)
	}
	dyn, err := dynamic.NewForConfig(c.Admin)
	if err != nil {
		return err
	}
	apiServices := dyn.Resource(apiServiceResource)
	for _, s := range APIServices {
		if err := apply(ctx, apiServices, s.object(c.CA.CertPEM, port)); err != nil {
			return fmt.Errorf("registering APIService %s: %w", s.Name(), err)
		}
	}
	if err := waitForAPIServices(ctx, apiServices); err != nil {
		return err
	}
	return waitForDiscovery(ctx, admin)
}

// object returns the APIService object for s, served on port with caBundle.
func (s APIService) object(caBundle []byte, port int) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiregistration.k8s.io/v1",
		"kind":       "APIService",
		"metadata":   map[string]any{"name": s.Name()},
		"spec": map[string]any{
			"group":                s.Group,
			"version":              s.Version,
			"groupPriorityMinimum": int64(10000),
			"versionPriority":      s.VersionPriority,
			// caBundle is []byte in the typed API, base64 in JSON.
			"caBundle": base64.StdEncoding.EncodeToString(caBundle),
			"service": map[string]any{
				"namespace": ServiceNamespace,
				"name":      ServiceName,
				"port":      int64(port),
			},
		},
	}}
}

// apply creates obj, or replaces the spec of the object that exists (the port and the CA
// may have changed since it was created). The aggregator writes an existing APIService's
// status at the same time, so a conflict is retried with a fresh read.
func apply(ctx context.Context, c dynamic.ResourceInterface, obj *unstructured.Unstructured) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		existing, err := c.Get(ctx, obj.GetName(), metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			_, err = c.Create(ctx, obj, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				// Created meanwhile: read it again and update it.
				return apierrors.NewConflict(schema.GroupResource{Resource: obj.GetKind()}, obj.GetName(), err)
			}
		case err == nil:
			obj.SetResourceVersion(existing.GetResourceVersion())
			_, err = c.Update(ctx, obj, metav1.UpdateOptions{})
		}
		return err
	})
}

// waitForAPIServices waits up to WaitTimeout until every APIService is Available.
func waitForAPIServices(ctx context.Context, apiServices dynamic.NamespaceableResourceInterface) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, WaitTimeout, true, func(ctx context.Context) (bool, error) {
		for _, s := range APIServices {
			obj, err := apiServices.Get(ctx, s.Name(), metav1.GetOptions{})
			if err != nil {
				last = err
				return false, nil //nolint:nilerr // retried until the timeout, which reports the last error
			}
			if err := available(obj); err != nil {
				last = err
				return false, nil //nolint:nilerr // not available yet: retried until the timeout, which reports why
			}
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for the garden APIServices: %w", errors.Join(err, last))
	}
	return nil
}

// available returns nil when the APIService obj is Available, else why not.
func available(obj *unstructured.Unstructured) error {
	conditions, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conditions {
		m, _ := c.(map[string]any)
		if m["type"] != "Available" {
			continue
		}
		if m["status"] == "True" {
			return nil
		}
		return fmt.Errorf("APIService %s is not available: %v: %v", obj.GetName(), m["reason"], m["message"])
	}
	return fmt.Errorf("APIService %s has no Available condition yet", obj.GetName())
}

// waitForDiscovery waits up to WaitTimeout until the kube-apiserver's discovery lists the
// resources of every APIService. The aggregator updates its discovery document a little
// after an APIService becomes Available, and clients with a discovery-based REST mapper
// (controller-runtime, kubectl) fail until it has.
func waitForDiscovery(ctx context.Context, admin kubernetes.Interface) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, WaitTimeout, true, func(context.Context) (bool, error) {
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
		for _, s := range APIServices {
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
