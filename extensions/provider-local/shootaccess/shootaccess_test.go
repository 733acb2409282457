package shootaccess_test

import (
	"context"
	"errors"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/hortus-dev/hortus/extensions/provider-local/shootaccess"
)

const withCA = `apiVersion: v1
kind: Config
clusters: [{name: s, cluster: {server: "https://127.0.0.1:1234", certificate-authority-data: "Q0E="}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: s, context: {cluster: s, user: u}}]
current-context: s
`

func TestGet(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	c := fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ok", Name: "gardener"}, Data: map[string][]byte{"kubeconfig": []byte(withCA)}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "empty", Name: "gardener"}},
	).Build()

	a, err := shootaccess.Get(ctx, c, "ok")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(a.Server).To(Equal("https://127.0.0.1:1234"))
	g.Expect(a.CAData).To(Equal([]byte("CA")))
	g.Expect(a.Config.BearerToken).To(Equal("t"))

	_, err = shootaccess.Get(ctx, c, "missing")
	g.Expect(errors.Is(err, shootaccess.ErrNotFound)).To(BeTrue())
	_, err = shootaccess.Get(ctx, c, "empty")
	g.Expect(err).To(MatchError(ContainSubstring("has no kubeconfig")))

	_, err = shootaccess.FromKubeconfig([]byte("apiVersion: v1\nkind: Config\nclusters: [{name: s, cluster: {server: \"https://x\"}}]\ncontexts: [{name: s, context: {cluster: s}}]\ncurrent-context: s\n"))
	g.Expect(err).To(MatchError(ContainSubstring("has no certificate-authority-data")))
}
