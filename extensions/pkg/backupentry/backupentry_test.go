package backupentry_test

import (
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hortus-dev/hortus/extensions/pkg/backupentry"
)

func TestEntryName(t *testing.T) {
	tests := []struct {
		name   string
		entry  string
		wantID string
		wantOK bool
	}{
		{name: "technical ID with dashes", entry: backupentry.EntryName("shoot--local--s", "0a1b-2c"), wantID: "shoot--local--s", wantOK: true},
		{name: "garden project", entry: "shoot--garden--s--uid", wantID: "shoot--garden--s", wantOK: true},
		{name: "no separator", entry: "shoot-uid"},
		{name: "empty technical ID", entry: "--uid"},
		{name: "empty UID", entry: "shoot--local--s--"},
		{name: "empty", entry: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			id, ok := backupentry.TechnicalIDFromEntryName(tt.entry)
			g.Expect(ok).To(Equal(tt.wantOK))
			g.Expect(id).To(Equal(tt.wantID))
		})
	}
}

func TestLocationFromSecret(t *testing.T) {
	g := NewWithT(t)
	want := backupentry.Location{Provider: "local", BucketName: "b", Path: "/backups/b/e"}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "shoot--p--s", Name: backupentry.SecretName}, Data: want.Data()}
	got, err := backupentry.LocationFromSecret(secret)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got).To(Equal(want))

	delete(secret.Data, backupentry.KeyPath)
	secret.Data[backupentry.KeyProvider] = nil
	_, err = backupentry.LocationFromSecret(secret)
	g.Expect(err).To(MatchError(And(
		ContainSubstring("shoot--p--s/etcd-backup"),
		ContainSubstring(`key "provider" is missing`),
		ContainSubstring(`key "path" is missing`),
		Not(ContainSubstring(`"bucketName"`)),
	)))
}
