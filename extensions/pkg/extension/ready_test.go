package extension_test

import (
	"testing"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hortus-dev/hortus/extensions/pkg/extension"
)

func TestCheckReady(t *testing.T) {
	infra := func(generation, observed int64, annotation string, state gardencorev1beta1.LastOperationState, lastError string) *extensionsv1alpha1.Infrastructure {
		o := &extensionsv1alpha1.Infrastructure{ObjectMeta: metav1.ObjectMeta{Name: "i", Namespace: namespace, Generation: generation}}
		if annotation != "" {
			o.Annotations = map[string]string{v1beta1constants.GardenerOperation: annotation}
		}
		o.Status.ObservedGeneration = observed
		if state != "" {
			o.Status.LastOperation = &gardencorev1beta1.LastOperation{Type: gardencorev1beta1.LastOperationTypeReconcile, State: state, Description: "op: " + lastError}
		}
		if lastError != "" {
			o.Status.LastError = &gardencorev1beta1.LastError{Description: lastError}
		}
		return o
	}
	const (
		succeeded  = gardencorev1beta1.LastOperationStateSucceeded
		processing = gardencorev1beta1.LastOperationStateProcessing
		errState   = gardencorev1beta1.LastOperationStateError
		failed     = gardencorev1beta1.LastOperationStateFailed
	)
	cases := []struct {
		name    string
		obj     *extensionsv1alpha1.Infrastructure
		want    error  // sentinel the error wraps; nil for ready
		wantMsg string // substring of the error
	}{
		{name: "succeeded at its generation", obj: infra(2, 2, "", succeeded, "")},
		{name: "annotation not yet picked up", obj: infra(2, 2, "reconcile", succeeded, ""), want: extension.ErrNotReady, wantMsg: `"reconcile"`},
		{name: "any annotation value counts", obj: infra(2, 2, "migrate", succeeded, ""), want: extension.ErrNotReady, wantMsg: `"migrate"`},
		{name: "annotation kept after an error quotes the error", obj: infra(2, 2, "reconcile", errState, "no quota"), want: extension.ErrNotReady, wantMsg: "last error: no quota"},
		{name: "generation not observed", obj: infra(3, 2, "", succeeded, ""), want: extension.ErrNotReady, wantMsg: "generation 3 is not observed yet (observed: 2)"},
		{name: "no last operation", obj: infra(1, 1, "", "", ""), want: extension.ErrNotReady, wantMsg: "no operation"},
		{name: "processing", obj: infra(1, 1, "", processing, ""), want: extension.ErrNotReady, wantMsg: "Reconcile is Processing"},
		{name: "error is retried", obj: infra(1, 1, "", errState, "no quota"), want: extension.ErrNotReady, wantMsg: "no quota"},
		{name: "failed", obj: infra(1, 1, "", failed, "invalid config"), want: extension.ErrFailed, wantMsg: "invalid config"},
		{name: "failed without lastError quotes the operation", obj: infra(1, 1, "", failed, ""), want: extension.ErrFailed, wantMsg: "op: "},
		{name: "processing again after an error quotes the error", obj: infra(1, 1, "", processing, "no quota"), want: extension.ErrNotReady, wantMsg: "Reconcile is Processing; last error: no quota"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			err := extension.CheckReady(tc.obj)
			if tc.want == nil {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(err).To(MatchError(tc.want))
			other := extension.ErrFailed
			if tc.want == extension.ErrFailed {
				other = extension.ErrNotReady
			}
			g.Expect(err).NotTo(MatchError(other))
			g.Expect(err).To(MatchError(ContainSubstring(tc.wantMsg)))
		})
	}
}
