package landscape

import (
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/hortus-dev/hortus/pkg/ports"
)

func TestSeedTemplateBackup(t *testing.T) {
	for i := range 3 {
		g := NewWithT(t)
		backup := seedTemplate(i).Spec.Backup
		g.Expect(backup).NotTo(BeNil(), "seed %s has a backup", SeedName(i))
		g.Expect(backup.Provider).To(Equal("local"))
		g.Expect(backup.Region).To(Equal(ptr.To("local")))
		g.Expect(backup.CredentialsRef).To(Equal(&corev1.ObjectReference{APIVersion: "v1", Kind: "Secret", Namespace: BackupSecretNamespace, Name: BackupSecretName}),
			"the Secret that hortus up creates before the gardenlets start")
	}
}

// The gardenlet runs with only its own environment, so it is told the port index that
// `hortus up` uses: every allocator of the machine must share one.
func TestGardenletSharesThePortIndex(t *testing.T) {
	g := NewWithT(t)
	t.Setenv(ports.IndexEnv, "/somewhere/ports-index")
	l := Layout{Dir: t.TempDir()}
	c, err := gardenletComponent(0, l, "/bin", nil, nil, 1, 2, nil)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(c.Args).To(ContainElements("--ports-file="+l.Ports(), "--ports-index=/somewhere/ports-index"))
}
