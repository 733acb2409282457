package validation_test

import (
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/gardener/gardener/pkg/apis/core"

	"github.com/hortus-dev/hortus/pkg/api/core/validation"
)

func newExposureClass() *core.ExposureClass {
	return &core.ExposureClass{
		ObjectMeta: metav1.ObjectMeta{Name: "internet", ResourceVersion: "1"},
		Handler:    "internet-config",
		Scheduling: &core.ExposureClassScheduling{
			SeedSelector: &core.SeedSelector{LabelSelector: metav1.LabelSelector{MatchLabels: map[string]string{"foo": "bar"}}},
			Tolerations:  []core.Toleration{{Key: "exposure"}},
		},
	}
}

func TestValidateExposureClass(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.ExposureClass)
		want   []types.GomegaMatcher
	}{
		{name: "valid"},
		{
			name:   "handler missing",
			mutate: func(e *core.ExposureClass) { e.Handler = "" },
			want:   errs(required("handler")),
		},
		{
			name:   "handler not a DNS label",
			mutate: func(e *core.ExposureClass) { e.Handler = "Internet" },
			want:   errs(invalid("handler")),
		},
		{
			name:   "handler longer than 34 characters",
			mutate: func(e *core.ExposureClass) { e.Handler = strings.Repeat("a", 35) },
			want:   errs(tooLong("handler")),
		},
		{
			name: "invalid seed selector",
			mutate: func(e *core.ExposureClass) {
				e.Scheduling.SeedSelector.MatchLabels = map[string]string{"not valid": "x"}
			},
			want: errs(invalid("scheduling.seedSelector.matchLabels")),
		},
		{
			name:   "toleration without key",
			mutate: func(e *core.ExposureClass) { e.Scheduling.Tolerations = []core.Toleration{{}} },
			want:   errs(required("scheduling.tolerations[0].key")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exposureClass := newExposureClass()
			if tt.mutate != nil {
				tt.mutate(exposureClass)
			}
			NewWithT(t).Expect(validation.ValidateExposureClass(exposureClass)).To(consistOfErrors(tt.want))
		})
	}
}

func TestValidateExposureClassUpdate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.ExposureClass)
		want   []types.GomegaMatcher
	}{
		{name: "unchanged"},
		{
			name:   "handler changed",
			mutate: func(e *core.ExposureClass) { e.Handler = "intranet" },
			want:   errs(invalid("handler")),
		},
		{
			name:   "scheduling changed",
			mutate: func(e *core.ExposureClass) { e.Scheduling = nil },
			want:   errs(invalid("scheduling")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exposureClass := newExposureClass()
			if tt.mutate != nil {
				tt.mutate(exposureClass)
			}
			NewWithT(t).Expect(validation.ValidateExposureClassUpdate(exposureClass, newExposureClass())).To(consistOfErrors(tt.want))
		})
	}
}

func newBackupBucket() *core.BackupBucket {
	return &core.BackupBucket{
		ObjectMeta: metav1.ObjectMeta{Name: "bucket-1", ResourceVersion: "1"},
		Spec: core.BackupBucketSpec{
			Provider:       core.BackupBucketProvider{Type: "local", Region: "local"},
			SeedName:       ptr.To("seed-1"),
			CredentialsRef: ptr.To(secretRef("backup")),
		},
	}
}

func shootRef() *corev1.ObjectReference {
	return &corev1.ObjectReference{APIVersion: "core.gardener.cloud/v1beta1", Kind: "Shoot", Name: "web", Namespace: "garden-dev"}
}

func TestValidateBackupBucket(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.BackupBucket)
		want   []types.GomegaMatcher
	}{
		{name: "valid for a seed"},
		{name: "valid for a shoot", mutate: func(b *core.BackupBucket) { b.Spec.SeedName, b.Spec.ShootRef = nil, shootRef() }},
		{
			name:   "provider missing",
			mutate: func(b *core.BackupBucket) { b.Spec.Provider = core.BackupBucketProvider{} },
			want:   errs(required("spec.provider.type"), required("spec.provider.region")),
		},
		{
			name:   "neither seed nor shoot",
			mutate: func(b *core.BackupBucket) { b.Spec.SeedName = nil },
			want:   errs(required("spec.seedName")),
		},
		{
			name:   "seed and shoot",
			mutate: func(b *core.BackupBucket) { b.Spec.ShootRef = shootRef() },
			want:   errs(forbidden("spec.seedName")),
		},
		{
			name:   "empty seed name",
			mutate: func(b *core.BackupBucket) { b.Spec.SeedName = ptr.To("") },
			want:   errs(required("spec.seedName")),
		},
		{
			name: "shoot reference of another kind",
			mutate: func(b *core.BackupBucket) {
				b.Spec.SeedName, b.Spec.ShootRef = nil, shootRef()
				b.Spec.ShootRef.Kind = "Seed"
			},
			want: errs(notSupported("spec.shootRef.kind")),
		},
		{
			name:   "credentials missing",
			mutate: func(b *core.BackupBucket) { b.Spec.CredentialsRef = nil },
			want:   errs(required("spec.credentialsRef")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bucket := newBackupBucket()
			if tt.mutate != nil {
				tt.mutate(bucket)
			}
			NewWithT(t).Expect(validation.ValidateBackupBucket(bucket)).To(consistOfErrors(tt.want))
		})
	}
}

func TestValidateBackupBucketUpdate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.BackupBucket)
		want   []types.GomegaMatcher
	}{
		{name: "unchanged"},
		{name: "credentials changed", mutate: func(b *core.BackupBucket) { b.Spec.CredentialsRef.Name = "other" }},
		{
			name:   "provider changed",
			mutate: func(b *core.BackupBucket) { b.Spec.Provider.Region = "other" },
			want:   errs(invalid("spec.provider")),
		},
		{
			name:   "seed changed",
			mutate: func(b *core.BackupBucket) { b.Spec.SeedName = ptr.To("seed-2") },
			want:   errs(invalid("spec.seedName")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bucket := newBackupBucket()
			if tt.mutate != nil {
				tt.mutate(bucket)
			}
			NewWithT(t).Expect(validation.ValidateBackupBucketUpdate(bucket, newBackupBucket())).To(consistOfErrors(tt.want))
		})
	}
}

func newBackupEntry() *core.BackupEntry {
	return &core.BackupEntry{
		ObjectMeta: metav1.ObjectMeta{Name: "shoot--dev--web--8a3c1f", Namespace: "garden-dev", ResourceVersion: "1"},
		Spec:       core.BackupEntrySpec{BucketName: "bucket-1", SeedName: ptr.To("seed-1")},
	}
}

func TestValidateBackupEntry(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.BackupEntry)
		want   []types.GomegaMatcher
	}{
		{name: "valid for a seed"},
		{name: "valid for a shoot", mutate: func(e *core.BackupEntry) { e.Spec.SeedName, e.Spec.ShootRef = nil, shootRef() }},
		{name: "any name", mutate: func(e *core.BackupEntry) { e.Name = "Shoot--Dev" }},
		{
			name:   "namespace missing",
			mutate: func(e *core.BackupEntry) { e.Namespace = "" },
			want:   errs(required("metadata.namespace")),
		},
		{
			name:   "bucket missing",
			mutate: func(e *core.BackupEntry) { e.Spec.BucketName = "" },
			want:   errs(required("spec.bucketName")),
		},
		{
			name:   "neither seed nor shoot",
			mutate: func(e *core.BackupEntry) { e.Spec.SeedName = nil },
			want:   errs(required("spec.seedName")),
		},
		{
			name: "shoot in another namespace",
			mutate: func(e *core.BackupEntry) {
				e.Spec.SeedName, e.Spec.ShootRef = nil, shootRef()
				e.Spec.ShootRef.Namespace = "garden-other"
			},
			want: errs(forbidden("spec.shootRef.namespace")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entry := newBackupEntry()
			if tt.mutate != nil {
				tt.mutate(entry)
			}
			NewWithT(t).Expect(validation.ValidateBackupEntry(entry)).To(consistOfErrors(tt.want))
		})
	}
}

func TestValidateBackupEntryUpdate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.BackupEntry)
		want   []types.GomegaMatcher
	}{
		{name: "unchanged"},
		{name: "seed changed by a migration", mutate: func(e *core.BackupEntry) { e.Spec.SeedName = ptr.To("seed-2") }},
		{
			name:   "new entry invalid",
			mutate: func(e *core.BackupEntry) { e.Spec.BucketName = "" },
			want:   errs(required("spec.bucketName")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entry := newBackupEntry()
			if tt.mutate != nil {
				tt.mutate(entry)
			}
			NewWithT(t).Expect(validation.ValidateBackupEntryUpdate(entry, newBackupEntry())).To(consistOfErrors(tt.want))
		})
	}
}

func newInternalSecret() *core.InternalSecret {
	return &core.InternalSecret{
		ObjectMeta: metav1.ObjectMeta{Name: "example", Namespace: "garden-dev", ResourceVersion: "1"},
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{"password": []byte("foo")},
	}
}

func TestValidateInternalSecret(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.InternalSecret)
		want   []types.GomegaMatcher
	}{
		{name: "valid"},
		{
			name:   "invalid data key",
			mutate: func(s *core.InternalSecret) { s.Data["no/slash"] = nil },
			want:   errs(invalid("data[no/slash]")),
		},
		{
			name:   "more than 1 MiB",
			mutate: func(s *core.InternalSecret) { s.Data["big"] = make([]byte, corev1.MaxSecretSize) },
			want:   errs(tooLong("data")),
		},
		{
			name:   "TLS secret without key",
			mutate: func(s *core.InternalSecret) { s.Type, s.Data = corev1.SecretTypeTLS, map[string][]byte{"tls.crt": nil} },
			want:   errs(required("data[tls.key]")),
		},
		{
			name: "docker config that is not JSON",
			mutate: func(s *core.InternalSecret) {
				s.Type, s.Data = corev1.SecretTypeDockerConfigJson, map[string][]byte{".dockerconfigjson": []byte("{")}
			},
			want: errs(invalid("data[.dockerconfigjson]")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := newInternalSecret()
			if tt.mutate != nil {
				tt.mutate(secret)
			}
			NewWithT(t).Expect(validation.ValidateInternalSecret(secret)).To(consistOfErrors(tt.want))
		})
	}
}

func TestValidateInternalSecretUpdate(t *testing.T) {
	immutable := func() *core.InternalSecret {
		s := newInternalSecret()
		s.Immutable = ptr.To(true)
		return s
	}
	tests := []struct {
		name   string
		old    func() *core.InternalSecret
		mutate func(*core.InternalSecret)
		want   []types.GomegaMatcher
	}{
		{name: "unchanged"},
		{name: "data changed", mutate: func(s *core.InternalSecret) { s.Data["password"] = []byte("bar") }},
		{
			name:   "type changed",
			mutate: func(s *core.InternalSecret) { s.Type = corev1.SecretTypeBasicAuth },
			want:   errs(invalid("type")),
		},
		{
			name:   "data of an immutable secret changed",
			old:    immutable,
			mutate: func(s *core.InternalSecret) { s.Immutable = ptr.To(true); s.Data["password"] = []byte("bar") },
			want:   errs(forbidden("data")),
		},
		{
			name: "immutable unset",
			old:  immutable,
			want: errs(forbidden("immutable")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oldSecret := newInternalSecret()
			if tt.old != nil {
				oldSecret = tt.old()
			}
			secret := newInternalSecret()
			if tt.mutate != nil {
				tt.mutate(secret)
			}
			NewWithT(t).Expect(validation.ValidateInternalSecretUpdate(secret, oldSecret)).To(consistOfErrors(tt.want))
		})
	}
}

func newShootState() *core.ShootState {
	return &core.ShootState{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "garden-dev", ResourceVersion: "1"},
		Spec: core.ShootStateSpec{
			Gardener:   []core.GardenerResourceData{{Name: "ca", Type: "secret"}},
			Extensions: []core.ExtensionResourceState{{Kind: "Infrastructure", Purpose: ptr.To("normal")}},
			Resources: []core.ResourceData{{
				CrossVersionObjectReference: autoscalingv1.CrossVersionObjectReference{APIVersion: "v1", Kind: "Secret", Name: "state"},
			}},
		},
	}
}

func TestValidateShootState(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.ShootState)
		want   []types.GomegaMatcher
	}{
		{name: "valid"},
		{
			name:   "name not a DNS label",
			mutate: func(s *core.ShootState) { s.Name = "web.dev" },
			want:   errs(invalid("metadata.name")),
		},
		{
			name:   "gardener data without name",
			mutate: func(s *core.ShootState) { s.Spec.Gardener[0].Name = "" },
			want:   errs(required("spec.gardener[0].name")),
		},
		{
			name:   "extension state without kind and with an empty purpose",
			mutate: func(s *core.ShootState) { s.Spec.Extensions[0].Kind, s.Spec.Extensions[0].Purpose = "", ptr.To("") },
			want:   errs(required("spec.extensions[0].kind"), invalid("spec.extensions[0].purpose")),
		},
		{
			name:   "resource of an unsupported kind",
			mutate: func(s *core.ShootState) { s.Spec.Resources[0].Kind = "Pod" },
			want:   errs(notSupported("spec.resources[0]")),
		},
		{
			name:   "resource without name",
			mutate: func(s *core.ShootState) { s.Spec.Resources[0].Name = "" },
			want:   errs(required("spec.resources[0].name")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := newShootState()
			if tt.mutate != nil {
				tt.mutate(state)
			}
			NewWithT(t).Expect(validation.ValidateShootState(state)).To(consistOfErrors(tt.want))
		})
	}
}

func TestValidateShootStateUpdate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*core.ShootState)
		want   []types.GomegaMatcher
	}{
		{name: "unchanged"},
		{name: "data changed", mutate: func(s *core.ShootState) { s.Spec.Gardener = nil }},
		{
			name:   "namespace changed",
			mutate: func(s *core.ShootState) { s.Namespace = "garden-other" },
			want:   errs(invalid("metadata.namespace")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := newShootState()
			if tt.mutate != nil {
				tt.mutate(state)
			}
			NewWithT(t).Expect(validation.ValidateShootStateUpdate(state, newShootState())).To(consistOfErrors(tt.want))
		})
	}
}
