package providerstatus_test

import (
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/hortus-dev/hortus/extensions/provider-local/providerstatus"
)

func TestRoundTrip(t *testing.T) {
	g := NewWithT(t)
	raw, err := providerstatus.Encode(&providerstatus.BackupBucketStatus{Path: "/tmp/b"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(raw.Raw)).To(Equal(`{"kind":"BackupBucketStatus","apiVersion":"local.provider.extensions.gardener.cloud/v1alpha1","path":"/tmp/b"}`))

	got := &providerstatus.BackupBucketStatus{}
	g.Expect(providerstatus.Decode(raw, got)).To(Succeed())
	g.Expect(got.Path).To(Equal("/tmp/b"))

	g.Expect(providerstatus.Decode(raw, &providerstatus.BackupEntryStatus{})).To(MatchError(ContainSubstring("want local.provider.extensions.gardener.cloud/v1alpha1, Kind=BackupEntryStatus")))
	g.Expect(providerstatus.Decode(nil, &providerstatus.BackupEntryStatus{})).To(MatchError(ContainSubstring("no providerStatus of kind BackupEntryStatus")))
	g.Expect(providerstatus.Decode(&runtime.RawExtension{Raw: []byte("{")}, got)).To(MatchError(ContainSubstring("decoding")))
}
