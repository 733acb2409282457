package operatingsystemconfig

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	bootstrapapi "k8s.io/cluster-bootstrap/token/api"
	bootstraputil "k8s.io/cluster-bootstrap/token/util"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/yaml"

	"github.com/hortus-dev/hortus/extensions/pkg/extension"
	"github.com/hortus-dev/hortus/extensions/provider-local/controller"
	"github.com/hortus-dev/hortus/extensions/provider-local/node"
	"github.com/hortus-dev/hortus/extensions/provider-local/providerstatus"
	"github.com/hortus-dev/hortus/extensions/provider-local/shootaccess"
	"github.com/hortus-dev/hortus/extensions/provider-local/userdata"
)

const (
	// DefaultTokenValidity is how long a bootstrap token is valid.
	DefaultTokenValidity = 24 * time.Hour
	// TokenIDAnnotation, on the result Secret, names the bootstrap token in its user data.
	TokenIDAnnotation = "local.provider.extensions.gardener.cloud/bootstrap-token-id"
	// BootstrapKubeconfigKey is the result Secret's key that holds the bootstrap kubeconfig
	// alone, which status.extensionFiles refers to.
	BootstrapKubeconfigKey = "bootstrap-kubeconfig"
	// shootTimeout bounds each request to the shoot's kube-apiserver.
	shootTimeout = 15 * time.Second
)

// ResultSecretName returns the name of the Secret in the seed namespace that holds the
// rendered user data of the OperatingSystemConfig name (status.cloudConfig.secretRef).
func ResultSecretName(name string) string { return "osc-result-" + name }

// Actuator reconciles OperatingSystemConfigs of type local.
type Actuator struct {
	// Client reaches the seed.
	Client client.Client
	// NewShootClient returns a client of the shoot's kube-apiserver; nil uses client.New
	// with core/v1 and rbac/v1.
	NewShootClient func(cfg *rest.Config) (client.Client, error)
	// Clock dates the bootstrap tokens; nil is the real clock.
	Clock clock.PassiveClock
	// TokenValidity is how long a new bootstrap token is valid; zero is
	// DefaultTokenValidity. A token is replaced by a new one at a reconcile once less than
	// half of this remains.
	TokenValidity time.Duration
}

// AddToManager registers the OperatingSystemConfig controller with mgr.
func (a *Actuator) AddToManager(mgr manager.Manager, o controller.Options) error {
	if a.Clock == nil && o.Clock != nil {
		a.Clock = o.Clock
	}
	return extension.Add(mgr, extension.Args[*extensionsv1alpha1.OperatingSystemConfig]{
		Name:                    controller.ControllerName(extensionsv1alpha1.OperatingSystemConfigResource),
		NewObject:               func() *extensionsv1alpha1.OperatingSystemConfig { return &extensionsv1alpha1.OperatingSystemConfig{} },
		Type:                    controller.Type,
		Actuator:                a,
		Finalizer:               controller.Finalizer(extensionsv1alpha1.OperatingSystemConfigResource),
		Clock:                   o.Clock,
		MaxConcurrentReconciles: o.MaxConcurrentReconciles,
	})
}

// Reconcile makes sure the shoot lets nodes bootstrap (RBAC and a valid bootstrap token),
// renders the user data, stores it in the result Secret and records it in the status.
func (a *Actuator) Reconcile(ctx context.Context, log logr.Logger, osc *extensionsv1alpha1.OperatingSystemConfig, cluster *extension.Cluster) error {
	access, err := shootaccess.Get(ctx, a.Client, osc.Namespace)
	if err != nil {
		return err
	}
	shoot, err := a.shootClient(access.Config)
	if err != nil {
		return err
	}
	if err := ensureBootstrapRBAC(ctx, shoot); err != nil {
		return err
	}

	result := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: osc.Namespace, Name: ResultSecretName(osc.Name)}}
	if err := a.Client.Get(ctx, client.ObjectKeyFromObject(result), result); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("reading the result Secret %s: %w", client.ObjectKeyFromObject(result), err)
	}
	token, err := a.ensureToken(ctx, log, shoot, result.Annotations[TokenIDAnnotation])
	if err != nil {
		return err
	}

	pool := osc.Labels[v1beta1constants.LabelWorkerPool]
	var shootSpec = KubeletInputFor(nil, pool, osc.Spec.CRIConfig)
	if cluster != nil {
		shootSpec = KubeletInputFor(cluster.Shoot, pool, osc.Spec.CRIConfig)
	}
	files, err := Files(access.Server, access.CAData, token.String(), shootSpec)
	if err != nil {
		return err
	}
	cc, err := a.userData(ctx, osc, files)
	if err != nil {
		return err
	}
	rendered, err := cc.Render()
	if err != nil {
		return fmt.Errorf("rendering the user data: %w", err)
	}

	if _, err := controllerutil.CreateOrUpdate(ctx, a.Client, result, func() error {
		metav1.SetMetaDataAnnotation(&result.ObjectMeta, TokenIDAnnotation, token.ID)
		result.Type = corev1.SecretTypeOpaque
		result.Data = map[string][]byte{
			extensionsv1alpha1.OperatingSystemConfigSecretDataKey: rendered,
			BootstrapKubeconfigKey:                                files.BootstrapKubeconfig,
		}
		return controllerutil.SetControllerReference(osc, result, a.Client.Scheme())
	}); err != nil {
		return fmt.Errorf("writing the result Secret %s: %w", client.ObjectKeyFromObject(result), err)
	}

	raw, err := providerstatus.Encode(&providerstatus.OperatingSystemConfigStatus{
		BootstrapTokenID:         token.ID,
		BootstrapTokenExpiration: metav1.NewTime(token.Expiration),
		APIServerURL:             access.Server,
	})
	if err != nil {
		return err
	}
	var extensionFiles []extensionsv1alpha1.File
	if osc.Spec.Purpose == extensionsv1alpha1.OperatingSystemConfigPurposeReconcile {
		extensionFiles = files.ExtensionFiles(result.Name)
	}
	log.Info("Rendered the user data", "secret", client.ObjectKeyFromObject(result), "bootstrapTokenID", token.ID, "pool", pool, "purpose", osc.Spec.Purpose)
	return controller.PatchStatus(ctx, a.Client, osc, func(o *extensionsv1alpha1.OperatingSystemConfig) {
		o.Status.ProviderStatus = raw
		o.Status.CloudConfig = &extensionsv1alpha1.CloudConfig{SecretRef: corev1.SecretReference{Namespace: result.Namespace, Name: result.Name}}
		o.Status.ExtensionFiles = extensionFiles
		o.Status.ExtensionUnits = nil
	})
}

// Delete removes the bootstrap token from the shoot, where the shoot is still reachable
// (an unreachable shoot's token expires by itself), and the result Secret.
func (a *Actuator) Delete(ctx context.Context, log logr.Logger, osc *extensionsv1alpha1.OperatingSystemConfig, _ *extension.Cluster) error {
	result := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: osc.Namespace, Name: ResultSecretName(osc.Name)}}
	if err := a.Client.Get(ctx, client.ObjectKeyFromObject(result), result); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("reading the result Secret %s: %w", client.ObjectKeyFromObject(result), err)
	}
	if id := result.Annotations[TokenIDAnnotation]; id != "" {
		if err := a.deleteToken(ctx, osc.Namespace, id); err != nil {
			log.Info("Leaving the bootstrap token to expire", "tokenID", id, "reason", err.Error())
		}
	}
	if err := a.Client.Delete(ctx, result); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting the result Secret %s: %w", client.ObjectKeyFromObject(result), err)
	}
	log.Info("Removed the user data", "secret", client.ObjectKeyFromObject(result))
	return nil
}

func (a *Actuator) deleteToken(ctx context.Context, namespace, id string) error {
	access, err := shootaccess.Get(ctx, a.Client, namespace)
	if err != nil {
		return err
	}
	shoot, err := a.shootClient(access.Config)
	if err != nil {
		return err
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: metav1.NamespaceSystem, Name: bootstraputil.BootstrapTokenSecretName(id)}}
	return client.IgnoreNotFound(shoot.Delete(ctx, secret))
}

func (a *Actuator) shootClient(cfg *rest.Config) (client.Client, error) {
	cfg = rest.CopyConfig(cfg)
	if cfg.Timeout == 0 {
		cfg.Timeout = shootTimeout
	}
	if a.NewShootClient != nil {
		return a.NewShootClient(cfg)
	}
	scheme := runtime.NewScheme()
	utilruntime.Must(corev1.AddToScheme(scheme))
	utilruntime.Must(rbacv1.AddToScheme(scheme))
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("creating a client of the shoot's kube-apiserver: %w", err)
	}
	return c, nil
}

// Token is a bootstrap token.
type Token struct {
	ID, Secret string
	Expiration time.Time
}

// String is the token as a bearer token: "<id>.<secret>".
func (t Token) String() string { return bootstraputil.TokenFromIDAndSecret(t.ID, t.Secret) }

// ensureToken reuses the bootstrap token id while it exists and has more than half of its
// validity left, and creates a new one otherwise. A replaced token stays until it expires,
// so that machines that boot from older user data still join.
func (a *Actuator) ensureToken(ctx context.Context, log logr.Logger, shoot client.Client, id string) (Token, error) {
	now := a.now()
	validity := a.TokenValidity
	if validity <= 0 {
		validity = DefaultTokenValidity
	}
	if id != "" {
		secret := &corev1.Secret{}
		err := shoot.Get(ctx, client.ObjectKey{Namespace: metav1.NamespaceSystem, Name: bootstraputil.BootstrapTokenSecretName(id)}, secret)
		switch {
		case err == nil:
			if t, ok := usableToken(secret, now, validity/2); ok {
				return t, nil
			}
			log.Info("Renewing the bootstrap token", "tokenID", id)
		case apierrors.IsNotFound(err):
			log.Info("Bootstrap token is gone, creating a new one", "tokenID", id)
		default:
			return Token{}, fmt.Errorf("reading the bootstrap token %s in the shoot: %w", id, err)
		}
	}
	raw, err := bootstraputil.GenerateBootstrapToken()
	if err != nil {
		return Token{}, fmt.Errorf("generating a bootstrap token: %w", err)
	}
	tokenID, tokenSecret, _ := strings.Cut(raw, ".")
	t := Token{ID: tokenID, Secret: tokenSecret, Expiration: now.Add(validity).Truncate(time.Second)}
	if err := shoot.Create(ctx, node.BootstrapTokenSecret(t.ID, t.Secret, t.Expiration)); err != nil {
		return Token{}, fmt.Errorf("creating the bootstrap token Secret in the shoot's kube-system: %w", err)
	}
	log.Info("Created a bootstrap token", "tokenID", t.ID, "expiration", t.Expiration)
	return t, nil
}

// usableToken reports whether secret is a bootstrap token for authentication that is
// valid for more than minLeft after now.
func usableToken(secret *corev1.Secret, now time.Time, minLeft time.Duration) (Token, bool) {
	if secret.Type != bootstrapapi.SecretTypeBootstrapToken || string(secret.Data[bootstrapapi.BootstrapTokenUsageAuthentication]) != "true" {
		return Token{}, false
	}
	exp, err := time.Parse(time.RFC3339, string(secret.Data[bootstrapapi.BootstrapTokenExpirationKey]))
	if err != nil || exp.Sub(now) <= minLeft {
		return Token{}, false
	}
	t := Token{ID: string(secret.Data[bootstrapapi.BootstrapTokenIDKey]), Secret: string(secret.Data[bootstrapapi.BootstrapTokenSecretKey]), Expiration: exp}
	if !bootstraputil.IsValidBootstrapToken(t.String()) {
		return Token{}, false
	}
	return t, true
}

func (a *Actuator) now() time.Time {
	if a.Clock == nil {
		return time.Now()
	}
	return a.Clock.Now()
}

// ensureBootstrapRBAC creates or updates the ClusterRoleBindings that let bootstrap tokens
// request node client certificates.
func ensureBootstrapRBAC(ctx context.Context, shoot client.Client) error {
	var errs []error
	for _, want := range node.BootstrapRBAC() {
		crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: want.Name}}
		err := shoot.Get(ctx, client.ObjectKeyFromObject(crb), crb)
		switch {
		case apierrors.IsNotFound(err):
			crb = want.DeepCopy()
			crb.ResourceVersion = ""
			err = shoot.Create(ctx, crb)
		case err == nil && crb.RoleRef != want.RoleRef:
			// roleRef is immutable: replace the binding.
			if err = shoot.Delete(ctx, crb); err == nil {
				crb = want.DeepCopy()
				err = shoot.Create(ctx, crb)
			}
		case err == nil:
			crb.Subjects = want.Subjects
			err = shoot.Update(ctx, crb)
		}
		if err != nil && !apierrors.IsAlreadyExists(err) {
			errs = append(errs, fmt.Errorf("ClusterRoleBinding %s: %w", want.Name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("letting nodes bootstrap in the shoot: %w", err)
	}
	return nil
}

// userData collects the files of the OperatingSystemConfig's spec (inline or from Secrets
// of its namespace) and the files that let the machine join; the latter win where both
// name the same path. Units are not part of the user data: simulated nodes run none.
func (a *Actuator) userData(ctx context.Context, osc *extensionsv1alpha1.OperatingSystemConfig, files *JoinFiles) (*userdata.CloudConfig, error) {
	cc := &userdata.CloudConfig{}
	own := files.paths()
	for _, f := range osc.Spec.Files {
		if own[f.Path] {
			continue
		}
		content, err := a.fileContent(ctx, osc.Namespace, f)
		if err != nil {
			return nil, err
		}
		if content == nil {
			continue
		}
		cc.AddFile(f.Path, content, fmt.Sprintf("%04o", ptr.Deref(f.Permissions, 0o644)))
	}
	files.addTo(cc)
	return cc, nil
}

// fileContent returns the content of a spec file; nil for image references, which
// simulated nodes cannot pull.
func (a *Actuator) fileContent(ctx context.Context, namespace string, f extensionsv1alpha1.File) ([]byte, error) {
	switch c := f.Content; {
	case c.Inline != nil:
		switch c.Inline.Encoding {
		case "":
			return []byte(c.Inline.Data), nil
		case "b64", "base64":
			b, err := base64.StdEncoding.DecodeString(c.Inline.Data)
			if err != nil {
				return nil, fmt.Errorf("file %s of the OperatingSystemConfig: %w", f.Path, err)
			}
			return b, nil
		default:
			return nil, fmt.Errorf("file %s of the OperatingSystemConfig has the unknown encoding %q; use b64 or none", f.Path, c.Inline.Encoding)
		}
	case c.SecretRef != nil:
		secret := &corev1.Secret{}
		if err := a.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: c.SecretRef.Name}, secret); err != nil {
			return nil, fmt.Errorf("reading Secret %s/%s for file %s: %w", namespace, c.SecretRef.Name, f.Path, err)
		}
		data, ok := secret.Data[c.SecretRef.DataKey]
		if !ok {
			return nil, fmt.Errorf("the Secret %s/%s has no key %s for file %s", namespace, c.SecretRef.Name, c.SecretRef.DataKey, f.Path)
		}
		return data, nil
	default:
		return nil, nil
	}
}

// JoinFiles are the files with which a machine joins its shoot.
type JoinFiles struct {
	BootstrapKubeconfig []byte
	CACert              []byte
	KubeletConfig       []byte
	// KubeletVersion is the kubelet's version with a leading v, such as v1.33.2; empty
	// when unknown, and then the file is left out.
	KubeletVersion []byte
}

// Files builds the join files: a bootstrap kubeconfig for server with the CA inline and
// the token, the CA, and the kubelet configuration of in.
func Files(server string, caData []byte, token string, in KubeletInput) (*JoinFiles, error) {
	kc, err := KubeletConfiguration(in)
	if err != nil {
		return nil, err
	}
	kubelet, err := yaml.Marshal(kc)
	if err != nil {
		return nil, fmt.Errorf("encoding the kubelet configuration: %w", err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["shoot"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caData}
	cfg.AuthInfos["kubelet-bootstrap"] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts["kubelet-bootstrap@shoot"] = &clientcmdapi.Context{Cluster: "shoot", AuthInfo: "kubelet-bootstrap"}
	cfg.CurrentContext = "kubelet-bootstrap@shoot"
	kubeconfig, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("encoding the bootstrap kubeconfig: %w", err)
	}
	files := &JoinFiles{BootstrapKubeconfig: kubeconfig, CACert: caData, KubeletConfig: kubelet}
	if in.Version != "" {
		files.KubeletVersion = []byte("v" + strings.TrimPrefix(in.Version, "v"))
	}
	return files, nil
}

func (f *JoinFiles) paths() map[string]bool {
	return map[string]bool{userdata.BootstrapKubeconfigPath: true, userdata.CACertPath: true, userdata.KubeletConfigPath: true, userdata.KubeletVersionPath: true}
}

func (f *JoinFiles) addTo(cc *userdata.CloudConfig) {
	cc.AddFile(userdata.BootstrapKubeconfigPath, f.BootstrapKubeconfig, "0600")
	cc.AddFile(userdata.CACertPath, f.CACert, "0644")
	cc.AddFile(userdata.KubeletConfigPath, f.KubeletConfig, "0644")
	if len(f.KubeletVersion) > 0 {
		cc.AddFile(userdata.KubeletVersionPath, f.KubeletVersion, "0644")
	}
}

// ExtensionFiles lists the join files for status.extensionFiles: the CA and the kubelet
// configuration inline, the bootstrap kubeconfig (a credential) by reference to the result
// Secret secretName.
func (f *JoinFiles) ExtensionFiles(secretName string) []extensionsv1alpha1.File {
	inline := func(data []byte) extensionsv1alpha1.FileContent {
		return extensionsv1alpha1.FileContent{Inline: &extensionsv1alpha1.FileContentInline{Encoding: "b64", Data: base64.StdEncoding.EncodeToString(data)}}
	}
	files := []extensionsv1alpha1.File{
		{Path: userdata.BootstrapKubeconfigPath, Permissions: ptr.To[uint32](0o600), Content: extensionsv1alpha1.FileContent{
			SecretRef: &extensionsv1alpha1.FileContentSecretRef{Name: secretName, DataKey: BootstrapKubeconfigKey},
		}},
		{Path: userdata.CACertPath, Permissions: ptr.To[uint32](0o644), Content: inline(f.CACert)},
		{Path: userdata.KubeletConfigPath, Permissions: ptr.To[uint32](0o644), Content: inline(f.KubeletConfig)},
	}
	if len(f.KubeletVersion) > 0 {
		files = append(files, extensionsv1alpha1.File{Path: userdata.KubeletVersionPath, Permissions: ptr.To[uint32](0o644), Content: inline(f.KubeletVersion)})
	}
	return files
}
