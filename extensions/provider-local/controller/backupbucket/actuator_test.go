package backupbucket_test

import (
	"testing"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/extensions/provider-local/controller/backupbucket"
)

// The controller's reconcile and delete are tested with the BackupEntry controller's, in
// package backupentry, since an entry lives in its bucket's directory.

func TestPath(t *testing.T) {
	g := NewWithT(t)
	for _, bad := range []string{"", ".", "..", "a/b", `a\b`} {
		_, err := backupbucket.Path("/backups", bad)
		g.Expect(err).To(MatchError(ContainSubstring("cannot be a directory name")), "name %q", bad)
	}
	p, err := backupbucket.Path("/backups", "seed-uid")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(p).To(Equal("/backups/seed-uid"))
}
