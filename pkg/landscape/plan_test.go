package landscape

import (
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
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
