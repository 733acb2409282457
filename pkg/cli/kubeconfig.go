package cli

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	authenticationv1alpha1 "github.com/gardener/gardener/pkg/apis/authentication/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/hortus-dev/hortus/pkg/landscape"
)

// minKubeconfigExpiration is the shortest validity the garden issues, as Gardener validates
// spec.expirationSeconds.
const minKubeconfigExpiration = 10 * time.Minute

// kubeconfigOptions are the flags of 'hortus kubeconfig'.
type kubeconfigOptions struct {
	// gardenKubeconfig and context select the garden; see gardenClientConfig.
	gardenKubeconfig, context string
	// namespace is the shoot's (project) namespace; the context's when empty.
	namespace string
	// expiration is the requested validity of the kubeconfig's client certificate.
	expiration time.Duration
	// viewer asks for a read-only kubeconfig instead of an admin one.
	viewer bool
	// output is the file to write to; stdout when empty or "-".
	output string
}

func newKubeconfigCommand() *cobra.Command {
	var o kubeconfigOptions
	cmd := &cobra.Command{
		Use:   "kubeconfig SHOOT | shoot/SHOOT",
		Short: "Get a kubeconfig for a shoot cluster from the garden",
		Long: `Get a short-lived kubeconfig for a shoot cluster, as Gardener's dashboard and gardenctl do:
POST an AdminKubeconfigRequest (or, with --viewer, a ViewerKubeconfigRequest) of
authentication.gardener.cloud/v1alpha1 to the shoot's adminkubeconfig (viewerkubeconfig)
subresource in the garden, and print the kubeconfig it returns.

The kubeconfig authenticates with a client certificate for you (the garden user that asks),
in the group system:masters (admin) or gardener.cloud:system:viewers (viewer), valid for
--expiration (at least 10m; the garden caps it, by default at 24h). It holds a context per
advertised address of the shoot's kube-apiserver; the first is current. Asking needs the
verb create on shoots/adminkubeconfig (shoots/viewerkubeconfig) in the shoot's namespace.

The garden kubeconfig is, in this order: --kubeconfig; else $KUBECONFIG; else
.hortus/garden.kubeconfig when it exists (the local landscape of 'hortus up'); else
~/.kube/config. The namespace is -n, else the namespace of the kubeconfig's context.

The shoot's control plane must be up: until its first reconciliation publishes the shoot's
CAs and addresses, the garden refuses with a conflict.`,
		Example: `  # Admin kubeconfig of shoot "local" in project "local", valid for one hour, to stdout.
  hortus kubeconfig local -n garden-local

  # Into a file (mode 0600), valid for 8 hours, and use it.
  hortus kubeconfig shoot/local -n garden-local --expiration 8h -o local.kubeconfig
  kubectl --kubeconfig local.kubeconfig get nodes

  # A read-only kubeconfig, from a garden other than the default one.
  hortus kubeconfig local -n garden-local --viewer --kubeconfig ~/garden.kubeconfig`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return errors.New("name one shoot: hortus kubeconfig SHOOT -n NAMESPACE")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.namespace, "namespace", "n", "", "Namespace of the shoot (its project's, e.g. garden-local); default: the namespace of the kubeconfig's context")
	f.DurationVar(&o.expiration, "expiration", time.Hour, "Validity of the kubeconfig's client certificate (at least 10m; the garden caps it)")
	f.BoolVar(&o.viewer, "viewer", false, "Get a read-only kubeconfig (ViewerKubeconfigRequest) instead of an admin one")
	f.StringVar(&o.gardenKubeconfig, "kubeconfig", "", "Kubeconfig of the garden; default: $KUBECONFIG, else .hortus/garden.kubeconfig if it exists, else ~/.kube/config")
	f.StringVar(&o.context, "context", "", "Context of the garden kubeconfig to use; default: its current context")
	f.StringVarP(&o.output, "output", "o", "", "Write the kubeconfig to this file (mode 0600) instead of stdout")
	return cmd
}

func (o kubeconfigOptions) run(cmd *cobra.Command, arg string) error {
	name, err := shootName(arg)
	if err != nil {
		return err
	}
	if o.expiration < minKubeconfigExpiration {
		return fmt.Errorf("--expiration %s is too short: the garden issues kubeconfigs for at least %s", o.expiration, minKubeconfigExpiration)
	}
	cfg, namespace, err := gardenConfigAndNamespace(o.gardenKubeconfig, o.context, o.namespace)
	if err != nil {
		return err
	}

	kind, subresource, role := "AdminKubeconfigRequest", "adminkubeconfig", "admin"
	if o.viewer {
		kind, subresource, role = "ViewerKubeconfigRequest", "viewerkubeconfig", "viewer"
	}
	seconds := int64(o.expiration / time.Second)
	var request, response runtime.Object
	if o.viewer {
		request = &authenticationv1alpha1.ViewerKubeconfigRequest{Spec: authenticationv1alpha1.ViewerKubeconfigRequestSpec{ExpirationSeconds: &seconds}}
		response = &authenticationv1alpha1.ViewerKubeconfigRequest{}
	} else {
		request = &authenticationv1alpha1.AdminKubeconfigRequest{Spec: authenticationv1alpha1.AdminKubeconfigRequestSpec{ExpirationSeconds: &seconds}}
		response = &authenticationv1alpha1.AdminKubeconfigRequest{}
	}

	client, err := kubeconfigRequestClient(cfg)
	if err != nil {
		return err
	}
	err = client.Post().
		Namespace(namespace).
		Resource("shoots").
		Name(name).
		SubResource(subresource).
		Body(request).
		Do(cmd.Context()).
		Into(response)
	if err != nil {
		return kubeconfigRequestError(err, cfg.Host, namespace, name, kind, subresource)
	}

	var (
		kubeconfig []byte
		notAfter   metav1.Time
		granted    *int64
	)
	switch r := response.(type) {
	case *authenticationv1alpha1.AdminKubeconfigRequest:
		kubeconfig, notAfter, granted = r.Status.Kubeconfig, r.Status.ExpirationTimestamp, r.Spec.ExpirationSeconds
	case *authenticationv1alpha1.ViewerKubeconfigRequest:
		kubeconfig, notAfter, granted = r.Status.Kubeconfig, r.Status.ExpirationTimestamp, r.Spec.ExpirationSeconds
	}
	if len(kubeconfig) == 0 {
		return fmt.Errorf("the garden answered the %s for shoot %s/%s without a kubeconfig", kind, namespace, name)
	}
	stderr := cmd.ErrOrStderr()
	if granted != nil && *granted < seconds {
		fmt.Fprintf(stderr, "The garden capped the validity at %s.\n", time.Duration(*granted)*time.Second)
	}
	if o.output == "" || o.output == "-" {
		_, err := cmd.OutOrStdout().Write(kubeconfig)
		return err
	}
	if err := writePrivateFile(o.output, kubeconfig); err != nil {
		return fmt.Errorf("writing the kubeconfig: %w", err)
	}
	validity := ""
	if !notAfter.IsZero() {
		validity = ", valid until " + notAfter.Local().Format(time.RFC3339)
	}
	fmt.Fprintf(stderr, "Wrote the %s kubeconfig of shoot %s/%s to %s%s.\n", role, namespace, name, o.output, validity)
	return nil
}

// shootName returns the shoot's name from "NAME" or "shoot/NAME" (also "shoots/NAME" and
// the group-qualified forms kubectl accepts).
func shootName(arg string) (string, error) {
	name := arg
	if kind, rest, ok := strings.Cut(arg, "/"); ok {
		switch kind {
		case "shoot", "shoots", "shoot.core.gardener.cloud", "shoots.core.gardener.cloud":
			name = rest
		default:
			return "", fmt.Errorf("%q is no shoot: name it as SHOOT or shoot/SHOOT", arg)
		}
	}
	if name == "" || strings.Contains(name, "/") {
		return "", fmt.Errorf("%q is no shoot name: name it as SHOOT or shoot/SHOOT", arg)
	}
	return name, nil
}

// gardenLoadingRules returns where the garden kubeconfig comes from: explicit (--kubeconfig);
// else $KUBECONFIG; else the local landscape's .hortus/garden.kubeconfig when it exists;
// else ~/.kube/config.
func gardenLoadingRules(explicit string) *clientcmd.ClientConfigLoadingRules {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = explicit
	if explicit == "" && os.Getenv(clientcmd.RecommendedConfigPathEnvVar) == "" {
		local := landscape.Layout{Dir: landscape.DefaultStateDir}.GardenKubeconfig()
		if _, err := os.Stat(local); err == nil {
			rules.ExplicitPath = local
		}
	}
	return rules
}

// gardenConfigAndNamespace loads the garden's client configuration (see gardenClientConfig)
// and returns it with namespace, or the namespace of the kubeconfig's context when that is
// empty.
func gardenConfigAndNamespace(kubeconfig, context, namespace string) (*rest.Config, string, error) {
	clientConfig := gardenClientConfig(kubeconfig, context)
	cfg, err := clientConfig.ClientConfig()
	if err != nil {
		if clientcmd.IsEmptyConfig(err) {
			return nil, "", errors.New("no garden kubeconfig found: pass --kubeconfig, set KUBECONFIG, or start the local landscape with 'hortus up'")
		}
		return nil, "", fmt.Errorf("loading the garden kubeconfig: %w", err)
	}
	if namespace == "" {
		if namespace, _, err = clientConfig.Namespace(); err != nil {
			return nil, "", fmt.Errorf("reading the namespace of the garden kubeconfig's context: %w", err)
		}
	}
	return cfg, namespace, nil
}

// gardenClientConfig returns the garden's client configuration from gardenLoadingRules and
// the context (the current one when empty).
func gardenClientConfig(explicit, context string) clientcmd.ClientConfig {
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		gardenLoadingRules(explicit),
		&clientcmd.ConfigOverrides{CurrentContext: context},
	)
}

// kubeconfigRequestClient returns a REST client for core.gardener.cloud/v1beta1 that sends
// and reads authentication.gardener.cloud/v1alpha1 kubeconfig requests.
func kubeconfigRequestClient(cfg *rest.Config) (*rest.RESTClient, error) {
	scheme := runtime.NewScheme()
	utilruntime.Must(authenticationv1alpha1.AddToScheme(scheme))
	metav1.AddToGroupVersion(scheme, authenticationv1alpha1.SchemeGroupVersion)
	cfg = rest.CopyConfig(cfg)
	cfg.APIPath = "/apis"
	cfg.GroupVersion = &gardencorev1beta1.SchemeGroupVersion
	cfg.ContentType = runtime.ContentTypeJSON
	cfg.NegotiatedSerializer = serializer.NewCodecFactory(scheme).WithoutConversion()
	client, err := rest.RESTClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("creating a client for the garden: %w", err)
	}
	return client, nil
}

// kubeconfigRequestError says what a failed kubeconfig request means and what to do.
func kubeconfigRequestError(err error, host, namespace, name, kind, subresource string) error {
	var status apierrors.APIStatus
	isShoot := errors.As(err, &status) && status.Status().Details != nil && status.Status().Details.Kind == "shoots"
	var urlErr *url.Error
	switch {
	case apierrors.IsNotFound(err) && isShoot:
		return fmt.Errorf("shoot %s not found in namespace %s (kubectl get shoots -n %s)", name, namespace, namespace)
	case apierrors.IsNotFound(err):
		return fmt.Errorf("the garden at %s does not serve shoots/%s of core.gardener.cloud/v1beta1: is the kubeconfig the garden's? (%w)", host, subresource, err)
	case apierrors.IsConflict(err):
		return fmt.Errorf("the shoot's control plane is not ready yet; wait for status.lastOperation Succeeded (kubectl get shoot %s -n %s -w)\n  The garden said: %w", name, namespace, err)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("the garden does not let you create shoots/%s in namespace %s; ask an admin of the shoot's project for access\n  The garden said: %w", subresource, namespace, err)
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("the garden at %s rejected the kubeconfig's credentials; renew them or pass another --kubeconfig\n  The garden said: %w", host, err)
	case apierrors.IsInvalid(err) || apierrors.IsBadRequest(err):
		return fmt.Errorf("the garden refused the %s: %w", kind, err)
	case errors.As(err, &urlErr):
		return fmt.Errorf("cannot reach the garden at %s (for the local landscape: hortus status): %w", host, err)
	default:
		return fmt.Errorf("requesting a kubeconfig for shoot %s/%s: %w", namespace, name, err)
	}
}

// writePrivateFile writes data to path with mode 0600: to a new file beside it that then
// replaces path, so that neither an old mode nor a partial file remains.
func writePrivateFile(path string, data []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
