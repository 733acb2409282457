package framework

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	authenticationv1alpha1 "github.com/gardener/gardener/pkg/apis/authentication/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Landscape starts a local landscape in a temporary state directory with `hortus up`,
// removes it with `hortus down --purge` when tb ends, and returns the state directory
// and a client of its garden (Gardener's core and authentication APIs).
func Landscape(ctx context.Context, tb testing.TB, cli CLI) (string, client.Client) {
	tb.Helper()
	state := filepath.Join(tb.TempDir(), "state")
	cli.MustHortus(ctx, tb, "up", "--state-dir", state)
	tb.Cleanup(func() { cli.MustHortus(context.Background(), tb, "down", "--purge", "--state-dir", state) })
	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(state, "garden.kubeconfig"))
	if err != nil {
		tb.Fatal(err)
	}
	scheme := runtime.NewScheme()
	if err := gardencorev1beta1.AddToScheme(scheme); err != nil {
		tb.Fatal(err)
	}
	if err := authenticationv1alpha1.AddToScheme(scheme); err != nil {
		tb.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		tb.Fatal(err)
	}
	return state, c
}

// ShootSucceeded tells whether the shoot's last operation succeeded at its generation.
func ShootSucceeded(s *gardencorev1beta1.Shoot) bool {
	op := s.Status.LastOperation
	return op != nil && op.State == gardencorev1beta1.LastOperationStateSucceeded && s.Status.ObservedGeneration == s.Generation
}

// AdminClient returns a client of the shoot from its adminkubeconfig subresource, with
// the given request timeout.
func AdminClient(ctx context.Context, tb testing.TB, garden client.Client, key client.ObjectKey, timeout time.Duration) kubernetes.Interface {
	tb.Helper()
	shoot := &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Name: key.Name, Namespace: key.Namespace}}
	req := &authenticationv1alpha1.AdminKubeconfigRequest{Spec: authenticationv1alpha1.AdminKubeconfigRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}
	if err := garden.SubResource("adminkubeconfig").Create(ctx, shoot, req); err != nil {
		tb.Fatal(err)
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig(req.Status.Kubeconfig)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Timeout = timeout
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return cs
}

// Median is the (upper) median of ds.
func Median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
