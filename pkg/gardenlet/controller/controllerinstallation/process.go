package controllerinstallation

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"

	"github.com/hortus-dev/hortus/pkg/component"
)

// HortusBinary is the binary that runs a Hortus-image container as a local process.
const HortusBinary = "hortus"

// Files of a process's working directory: the kubeconfig of its ServiceAccount, part of
// its description, and the token it reads, which the gardenlet refreshes in place without
// restarting the process.
const (
	KubeconfigFile = "kubeconfig"
	TokenFile      = "token"
)

// IsHortusImage reports whether image is the Hortus image: its repository (the image
// without tag and digest) is "hortus" or ends in "/hortus", such as hortus,
// hortus:v0.3.0 or ghcr.io/hortus-dev/hortus@sha256:….
func IsHortusImage(image string) bool {
	repo, _, _ := strings.Cut(image, "@")
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	return path.Base(repo) == "hortus"
}

// SeedAccess is how local processes reach the seed's API server.
type SeedAccess struct {
	// Server is the URL of the seed's kube-apiserver.
	Server string
	// CAData verifies its serving certificate; without it the kubeconfig trusts the
	// system roots.
	CAData []byte
	// Insecure skips the verification of the serving certificate.
	Insecure bool
}

// Credential is a ServiceAccount token that a process reads from TokenFile in its
// working directory.
type Credential struct {
	// Component is the process's component name.
	Component string
	// Namespace and ServiceAccount name the ServiceAccount.
	Namespace      string
	ServiceAccount string
}

// Split separates the rendered objects into those to apply to the seed and the
// Deployments to run as local processes: with runLocally, every Deployment that has a
// container with the Hortus image (see isHortus). Without runLocally (the kubernetes
// executor) every object is applied, Deployments included.
func Split(objs []*unstructured.Unstructured, runLocally bool, isHortus func(string) bool) (apply []*unstructured.Unstructured, local []*appsv1.Deployment, err error) {
	for _, obj := range objs {
		if !runLocally || obj.GroupVersionKind() != appsv1.SchemeGroupVersion.WithKind("Deployment") {
			apply = append(apply, obj)
			continue
		}
		d := &appsv1.Deployment{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, d); err != nil {
			return nil, nil, fmt.Errorf("the Deployment %s: %w", obj.GetName(), err)
		}
		hortus := false
		for _, c := range d.Spec.Template.Spec.Containers {
			hortus = hortus || isHortus(c.Image)
		}
		if !hortus {
			apply = append(apply, obj)
			continue
		}
		if d.Namespace == "" {
			d.Namespace = obj.GetNamespace()
		}
		local = append(local, d)
	}
	return apply, local, nil
}

// ProcessSet describes the Deployments as the components of the executor set name: one
// process of the hortus binary per container (named after the Deployment, or
// <deployment>-<container> when it has several), with the container's command and args
// (without a leading "hortus" entry) and env, and KUBECONFIG pointing at a kubeconfig for
// the pod's ServiceAccount in the seed, unless the pod does not mount a token
// (automountServiceAccountToken: false). A Deployment with zero replicas runs no process.
// It returns the ServiceAccount tokens the processes need.
func ProcessSet(name string, deployments []*appsv1.Deployment, access SeedAccess, isHortus func(string) bool) (component.Set, []Credential, error) {
	set := component.Set{Name: name}
	var creds []Credential
	var errs []error
	for _, d := range deployments {
		if ptr.Deref(d.Spec.Replicas, 1) == 0 {
			continue
		}
		pod := d.Spec.Template.Spec
		sa := pod.ServiceAccountName
		if sa == "" {
			sa = "default"
		}
		withToken := ptr.Deref(pod.AutomountServiceAccountToken, true)
		if len(pod.InitContainers) > 0 {
			errs = append(errs, fmt.Errorf("the Deployment %s/%s: init containers cannot run as local processes; remove them from the chart", d.Namespace, d.Name))
			continue
		}
		for _, c := range pod.Containers {
			compName := d.Name
			if len(pod.Containers) > 1 {
				compName = d.Name + "-" + c.Name
			}
			comp, err := processComponent(compName, d, c, sa, withToken, access, isHortus)
			if err != nil {
				errs = append(errs, fmt.Errorf("the Deployment %s/%s: container %s: %w", d.Namespace, d.Name, c.Name, err))
				continue
			}
			set.Components = append(set.Components, comp)
			if withToken {
				creds = append(creds, Credential{Component: compName, Namespace: d.Namespace, ServiceAccount: sa})
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return component.Set{}, nil, err
	}
	return set, creds, nil
}

func processComponent(name string, d *appsv1.Deployment, c corev1.Container, sa string, withToken bool, access SeedAccess, isHortus func(string) bool) (component.Component, error) {
	if !isHortus(c.Image) {
		return component.Component{}, fmt.Errorf("image %s is not the Hortus image: a pod with the Hortus image runs as local processes, so all its containers must use it", c.Image)
	}
	if len(c.VolumeMounts) > 0 {
		return component.Component{}, errors.New("volume mounts cannot be given to a local process; pass the data through args or env")
	}
	if len(c.EnvFrom) > 0 {
		return component.Component{}, errors.New("envFrom cannot be resolved for a local process; use env with values")
	}
	args := append([]string{}, c.Command...)
	if len(args) > 0 && (args[0] == HortusBinary || path.Base(args[0]) == HortusBinary) {
		args = args[1:]
	}
	args = append(args, c.Args...)

	var env []component.EnvVar
	for _, e := range c.Env {
		if e.Name == "KUBECONFIG" && withToken {
			continue
		}
		v, err := envValue(e, d, sa)
		if err != nil {
			return component.Component{}, err
		}
		env = append(env, component.EnvVar{Name: e.Name, Value: v})
	}
	comp := component.Component{Name: name, Binary: HortusBinary, Args: args, Env: env}
	if withToken {
		kubeconfig, err := Kubeconfig(access, d.Namespace, sa)
		if err != nil {
			return component.Component{}, err
		}
		comp.Env = append(comp.Env, component.EnvVar{Name: "KUBECONFIG", Value: component.InWorkDir(KubeconfigFile)})
		comp.Files = []component.File{{Path: KubeconfigFile, Content: kubeconfig, Mode: 0o600}}
	}
	return comp, nil
}

// envValue resolves an env var of a container: a plain value, or a fieldRef to the pod's
// namespace, name (the Deployment's) or ServiceAccount.
func envValue(e corev1.EnvVar, d *appsv1.Deployment, sa string) (string, error) {
	if e.ValueFrom == nil {
		return e.Value, nil
	}
	if f := e.ValueFrom.FieldRef; f != nil {
		switch f.FieldPath {
		case "metadata.namespace":
			return d.Namespace, nil
		case "metadata.name":
			return d.Name, nil
		case "spec.serviceAccountName":
			return sa, nil
		}
		return "", fmt.Errorf("env %s: fieldRef %s cannot be resolved for a local process (metadata.namespace, metadata.name and spec.serviceAccountName can)", e.Name, f.FieldPath)
	}
	return "", fmt.Errorf("env %s: only plain values and fieldRefs can be resolved for a local process", e.Name)
}

// Kubeconfig returns a kubeconfig for the ServiceAccount namespace/name at access that
// reads its token from TokenFile beside it. client-go re-reads a token file, so a
// refreshed token takes effect without a restart.
func Kubeconfig(access SeedAccess, namespace, name string) ([]byte, error) {
	user := "system:serviceaccount:" + namespace + ":" + name
	cfg := clientcmdapi.Config{
		Clusters: map[string]*clientcmdapi.Cluster{"seed": {
			Server:                   access.Server,
			CertificateAuthorityData: access.CAData,
			InsecureSkipTLSVerify:    access.Insecure,
		}},
		// A relative tokenFile is resolved against the kubeconfig's directory.
		AuthInfos:      map[string]*clientcmdapi.AuthInfo{user: {TokenFile: TokenFile}},
		Contexts:       map[string]*clientcmdapi.Context{"seed": {Cluster: "seed", AuthInfo: user, Namespace: namespace}},
		CurrentContext: "seed",
	}
	b, err := clientcmd.Write(cfg)
	if err != nil {
		return nil, fmt.Errorf("writing the kubeconfig of ServiceAccount %s/%s: %w", namespace, name, err)
	}
	return b, nil
}

// tokenClaims are the parts of a ServiceAccount token that decide about its renewal.
type tokenClaims struct {
	issued, expires   time.Time
	serviceAccountUID string
}

// parseToken reads the unverified claims iat, exp and the ServiceAccount's UID of a
// ServiceAccount token.
func parseToken(token string) (tokenClaims, error) {
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 {
		return tokenClaims{}, errors.New("not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return tokenClaims{}, fmt.Errorf("decoding the JWT claims: %w", err)
	}
	var claims struct {
		IssuedAt   int64 `json:"iat"`
		ExpiresAt  int64 `json:"exp"`
		Kubernetes struct {
			ServiceAccount struct {
				UID string `json:"uid"`
			} `json:"serviceaccount"`
		} `json:"kubernetes.io"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return tokenClaims{}, fmt.Errorf("decoding the JWT claims: %w", err)
	}
	if claims.ExpiresAt == 0 {
		return tokenClaims{}, errors.New("the JWT has no expiry")
	}
	return tokenClaims{
		issued:            time.Unix(claims.IssuedAt, 0),
		expires:           time.Unix(claims.ExpiresAt, 0),
		serviceAccountUID: claims.Kubernetes.ServiceAccount.UID,
	}, nil
}

// refreshAt is when a token issued at issued that expires at expires is renewed: after
// four fifths of its lifetime.
func refreshAt(issued, expires time.Time) time.Time {
	lifetime := expires.Sub(issued)
	return issued.Add(lifetime - lifetime/5)
}
