package shoot_test

import (
	"context"
	"testing"

	"github.com/gardener/gardener/pkg/apis/core"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/shoot"
)

func TestOperationAnnotationBumpsGeneration(t *testing.T) {
	const op = "gardener.cloud/operation"
	withWorkers := func(s *core.Shoot) {
		s.Spec.Provider.Workers = []core.Worker{{Name: "w", Minimum: 1, Maximum: 1}}
	}
	tests := []struct {
		name        string
		lastOpState core.LastOperationState // "" means no last operation
		mutate      func(*core.Shoot)
		operation   string
		wantGen     int64
		// wantOperation is the annotation after the update; "-" means removed.
		wantOperation string
	}{
		{name: "reconcile", lastOpState: core.LastOperationStateSucceeded, operation: "reconcile", wantGen: 2, wantOperation: "-"},
		{name: "reconcile before the first reconciliation", operation: "reconcile", wantGen: 1, wantOperation: "reconcile"},
		{name: "retry after a failure", lastOpState: core.LastOperationStateFailed, operation: "retry", wantGen: 2, wantOperation: "-"},
		{name: "retry without a failure", lastOpState: core.LastOperationStateSucceeded, operation: "retry", wantGen: 1, wantOperation: "retry"},
		{name: "reconcile after a failure", lastOpState: core.LastOperationStateFailed, operation: "reconcile", wantGen: 1, wantOperation: "reconcile"},
		{name: "maintain is the maintenance controller's", lastOpState: core.LastOperationStateSucceeded, operation: "maintain", wantGen: 1, wantOperation: "maintain"},
		{name: "rotate-ca-start stays for the gardenlet", lastOpState: core.LastOperationStateSucceeded, operation: "rotate-ca-start", wantGen: 2, wantOperation: "rotate-ca-start"},
		{name: "rotate-serviceaccount-key-complete", lastOpState: core.LastOperationStateSucceeded, operation: "rotate-serviceaccount-key-complete", wantGen: 2, wantOperation: "rotate-serviceaccount-key-complete"},
		{name: "rotate-etcd-encryption-key", lastOpState: core.LastOperationStateSucceeded, operation: "rotate-etcd-encryption-key", wantGen: 2, wantOperation: "rotate-etcd-encryption-key"},
		{
			name: "rotate-credentials-start replaces the rotations it covers", lastOpState: core.LastOperationStateSucceeded,
			operation: "rotate-ca-start;rotate-credentials-start;rotate-serviceaccount-key-start", wantGen: 2, wantOperation: "rotate-credentials-start",
		},
		{
			name: "reconcile is consumed, a rotation stays", lastOpState: core.LastOperationStateSucceeded,
			operation: " reconcile ; rotate-ca-complete;rotate-ca-complete", wantGen: 2, wantOperation: "rotate-ca-complete",
		},
		{name: "rotate-ssh-keypair without workers is dropped", lastOpState: core.LastOperationStateSucceeded, operation: "rotate-ssh-keypair", wantGen: 1, wantOperation: "-"},
		{name: "rotate-ssh-keypair with workers", lastOpState: core.LastOperationStateSucceeded, mutate: withWorkers, operation: "rotate-ssh-keypair", wantGen: 2, wantOperation: "rotate-ssh-keypair"},
		{name: "rollout-workers", lastOpState: core.LastOperationStateSucceeded, mutate: withWorkers, operation: "rollout-workers=w", wantGen: 2, wantOperation: "rollout-workers=w"},
		{name: "unknown operation", lastOpState: core.LastOperationStateSucceeded, operation: "something", wantGen: 1, wantOperation: "something"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			old := newShoot()
			if tt.lastOpState != "" {
				old.Status.LastOperation = &core.LastOperation{Type: core.LastOperationTypeReconcile, State: tt.lastOpState}
			}
			if tt.mutate != nil {
				tt.mutate(old)
			}
			s := old.DeepCopy()
			s.Annotations = map[string]string{op: tt.operation}
			shoot.NewStrategy(typer).PrepareForUpdate(context.Background(), s, old)
			g.Expect(s.Generation).To(Equal(tt.wantGen))
			if tt.wantOperation == "-" {
				g.Expect(s.Annotations).NotTo(HaveKey(op))
			} else {
				g.Expect(s.Annotations).To(HaveKeyWithValue(op, tt.wantOperation))
			}
		})
	}
}

func TestForceDeletionAnnotationBumpsGeneration(t *testing.T) {
	g := NewWithT(t)
	old := newShoot()
	now := metav1.Now()
	old.DeletionTimestamp = &now
	old.Generation = 2
	s := old.DeepCopy()
	s.Annotations = map[string]string{"confirmation.gardener.cloud/force-deletion": "true"}
	shoot.NewStrategy(typer).PrepareForUpdate(context.Background(), s, old)
	g.Expect(s.Generation).To(Equal(int64(3)))

	again := s.DeepCopy()
	shoot.NewStrategy(typer).PrepareForUpdate(context.Background(), again, s)
	g.Expect(again.Generation).To(Equal(int64(3)), "only setting the annotation bumps")
}
