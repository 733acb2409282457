package extobject_test

import (
	"context"
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/backupbucket/extobject"
)

func TestSpecEqual(t *testing.T) {
	g := NewWithT(t)
	spec := func(raw string) extensionsv1alpha1.BackupBucketSpec {
		s := extensionsv1alpha1.BackupBucketSpec{Region: "local"}
		s.Type = "local"
		if raw != "" {
			s.ProviderConfig = &runtime.RawExtension{Raw: []byte(raw)}
		}
		return s
	}
	g.Expect(extobject.SpecEqual(spec(`{"a": 1, "b": [1, 2]}`), spec(`{"b":[1,2],"a":1}`))).To(BeTrue(), "formatting does not matter")
	g.Expect(extobject.SpecEqual(spec(`{"a":1}`), spec(`{"a":2}`))).To(BeFalse())
	g.Expect(extobject.SpecEqual(spec(""), spec(`{"a":2}`))).To(BeFalse())
	other := spec("")
	other.Region = "eu"
	g.Expect(extobject.SpecEqual(spec(""), other)).To(BeFalse())
}

func TestObserve(t *testing.T) {
	op := func(state gardencorev1beta1.LastOperationState) *gardencorev1beta1.LastOperation {
		return &gardencorev1beta1.LastOperation{Type: gardencorev1beta1.LastOperationTypeReconcile, State: state, Progress: 50, Description: "by the extension"}
	}
	tests := []struct {
		name       string
		annotated  bool
		op         *gardencorev1beta1.LastOperation
		lastError  string
		observed   int64
		wantState  gardencorev1beta1.LastOperationState
		wantDesc   string
		wantErrMsg string
	}{
		{name: "not picked up", annotated: true, op: op(gardencorev1beta1.LastOperationStateSucceeded), observed: 1, wantState: gardencorev1beta1.LastOperationStateProcessing, wantDesc: "Waiting for the extension to reconcile the BackupBucket b"},
		{name: "no operation", observed: 1, wantState: gardencorev1beta1.LastOperationStateProcessing, wantDesc: "no operation is recorded yet"},
		{name: "old generation", op: op(gardencorev1beta1.LastOperationStateSucceeded), wantState: gardencorev1beta1.LastOperationStateProcessing, wantDesc: "generation 1 is not observed yet"},
		{name: "succeeded", op: op(gardencorev1beta1.LastOperationStateSucceeded), observed: 1, wantState: gardencorev1beta1.LastOperationStateSucceeded, wantDesc: "The extension reconciled the BackupBucket b"},
		{name: "error", annotated: true, op: op(gardencorev1beta1.LastOperationStateError), lastError: "no space", observed: 1, wantState: gardencorev1beta1.LastOperationStateError, wantDesc: "retries: no space", wantErrMsg: "no space"},
		{name: "failed", op: op(gardencorev1beta1.LastOperationStateFailed), lastError: "bad config", observed: 1, wantState: gardencorev1beta1.LastOperationStateFailed, wantDesc: "failed to reconcile", wantErrMsg: "bad config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			obj := &extensionsv1alpha1.BackupBucket{ObjectMeta: metav1.ObjectMeta{Name: "b", Generation: 1}}
			if tt.annotated {
				obj.Annotations = map[string]string{v1beta1constants.GardenerOperation: v1beta1constants.GardenerOperationReconcile}
			}
			obj.Status.LastOperation = tt.op
			obj.Status.ObservedGeneration = tt.observed
			if tt.lastError != "" {
				obj.Status.LastError = &gardencorev1beta1.LastError{Description: tt.lastError}
			}
			out := extobject.Observe(obj)
			g.Expect(out.State).To(Equal(tt.wantState))
			g.Expect(out.Description).To(ContainSubstring(tt.wantDesc))
			if tt.wantErrMsg == "" {
				g.Expect(out.LastError).To(BeNil())
			} else {
				g.Expect(out.LastError).To(HaveField("Description", ContainSubstring(tt.wantErrMsg)))
			}
		})
	}
}

func TestLastOperation(t *testing.T) {
	g := NewWithT(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out := extobject.Outcome{State: gardencorev1beta1.LastOperationStateProcessing, Description: "waiting"}
	first := extobject.LastOperation(nil, gardencorev1beta1.LastOperationTypeCreate, out, t0)
	g.Expect(first.LastUpdateTime.Time).To(Equal(t0))
	g.Expect(extobject.LastOperation(first, gardencorev1beta1.LastOperationTypeCreate, out, t0.Add(time.Minute))).To(BeIdenticalTo(first), "the same operation keeps its time")
	out.State = gardencorev1beta1.LastOperationStateSucceeded
	g.Expect(extobject.LastOperation(first, gardencorev1beta1.LastOperationTypeCreate, out, t0.Add(time.Minute)).LastUpdateTime.Time).To(Equal(t0.Add(time.Minute)))

	g.Expect(extobject.OperationType(nil)).To(Equal(gardencorev1beta1.LastOperationTypeCreate))
	g.Expect(extobject.OperationType(first)).To(Equal(gardencorev1beta1.LastOperationTypeCreate), "until the first success")
	g.Expect(extobject.OperationType(&gardencorev1beta1.LastOperation{Type: gardencorev1beta1.LastOperationTypeCreate, State: gardencorev1beta1.LastOperationStateSucceeded})).To(Equal(gardencorev1beta1.LastOperationTypeReconcile))
}

func TestRequestAndAskAgain(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	s := runtime.NewScheme()
	g.Expect(extensionsv1alpha1.AddToScheme(s)).To(Succeed())
	c := fake.NewClientBuilder().WithScheme(s).Build()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	obj := &extensionsv1alpha1.BackupBucket{ObjectMeta: metav1.ObjectMeta{Name: "b"}}
	g.Expect(extobject.Request(ctx, c, obj, t0, func() { obj.Spec.Region = "local" })).To(Succeed())
	got := &extensionsv1alpha1.BackupBucket{}
	g.Expect(c.Get(ctx, client.ObjectKey{Name: "b"}, got)).To(Succeed())
	g.Expect(got.Spec.Region).To(Equal("local"))
	g.Expect(extobject.Requested(got)).To(BeTrue())

	asked, err := extobject.AskAgain(ctx, c, got, t0.Add(10*time.Second), 30*time.Second)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(asked).To(BeFalse(), "too early")
	asked, err = extobject.AskAgain(ctx, c, got, t0.Add(31*time.Second), 30*time.Second)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(asked).To(BeTrue())
	g.Expect(c.Get(ctx, client.ObjectKey{Name: "b"}, got)).To(Succeed())
	g.Expect(got.Annotations).To(HaveKeyWithValue(v1beta1constants.GardenerTimestamp, t0.Add(31*time.Second).Format(time.RFC3339Nano)))

	delete(got.Annotations, v1beta1constants.GardenerOperation)
	asked, err = extobject.AskAgain(ctx, c, got, t0.Add(time.Hour), 30*time.Second)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(asked).To(BeFalse(), "the extension took up the request")
}
