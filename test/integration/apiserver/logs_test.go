package apiserver_test

import (
	"context"
	"os"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/component/hortusapiserver"
)

var _ = Describe("the Hortus API server", func() {
	It("has the rights it needs at the kube-apiserver", func(ctx context.Context) {
		st, err := env.Components(ctx)
		Expect(err).NotTo(HaveOccurred())
		var log string
		for _, s := range st {
			if s.Name == hortusapiserver.DefaultName {
				b, err := os.ReadFile(s.LogPath)
				Expect(err).NotTo(HaveOccurred())
				log = string(b)
			}
		}
		Expect(log).NotTo(BeEmpty())
		for _, line := range strings.Split(log, "\n") {
			Expect(strings.ToLower(line)).NotTo(ContainSubstring("forbidden"), "RBAC denied something the server needs")
		}
	})
})
