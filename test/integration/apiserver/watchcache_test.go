package apiserver_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

var _ = Describe("the watch cache", func() {
	It("serves lists by spec.seedName from its index", func(ctx context.Context) {
		before := indexedShootLists(ctx)
		list := &gardencorev1beta1.ShootList{}
		Expect(c.List(ctx, list, client.MatchingFields{"spec.seedName": "some-seed"}, &client.ListOptions{Raw: rawListOptionsRV0()})).To(Succeed())
		Expect(indexedShootLists(ctx)).To(BeNumerically(">", before))
	})
})

var cacheListRE = regexp.MustCompile(`(?m)^apiserver_cache_list_total\{group="core\.gardener\.cloud",index="(?:f:)?spec\.seedName",resource="shoots"\} (\d+)`)

// rawListOptionsRV0 lets the server answer a list from the watch cache.
func rawListOptionsRV0() *metav1.ListOptions {
	return &metav1.ListOptions{ResourceVersion: "0"}
}

// indexedShootLists reads, from the Hortus API server's metrics, how many shoot lists the
// watch cache answered from its spec.seedName index.
func indexedShootLists(ctx context.Context) int {
	GinkgoHelper()
	// The Hortus API server trusts the kube-apiserver's client CA and authorizes the
	// admin by SubjectAccessReview, so the admin certificate works directly.
	cfg := rest.CopyConfig(env.Config)
	cfg.Host = env.GardenAPIURL
	transport, err := rest.TransportFor(cfg)
	Expect(err).NotTo(HaveOccurred())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, env.GardenAPIURL+"/metrics", nil)
	Expect(err).NotTo(HaveOccurred())
	resp, err := (&http.Client{Transport: transport}).Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	Expect(resp.StatusCode).To(Equal(http.StatusOK), string(body))
	total := 0
	for _, m := range cacheListRE.FindAllStringSubmatch(string(body), -1) {
		n, err := strconv.Atoi(m[1])
		Expect(err).NotTo(HaveOccurred())
		total += n
	}
	return total
}
