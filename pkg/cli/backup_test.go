package cli

import (
	"bytes"
	"context"
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/hortus-dev/hortus/pkg/gardenlet/controller/shoot"
)

// fakeGardenlet plays the gardenlet's part in the annotation protocol: once the shoot asks
// for an etcd operation, it removes the request and, when result is not empty, records
// result under the operation's result annotation.
func fakeGardenlet(ctx context.Context, t *testing.T, c client.Client, key client.ObjectKey, resultKey, result string) {
	t.Helper()
	go func() {
		for ctx.Err() == nil {
			s := &gardencorev1beta1.Shoot{}
			if err := c.Get(ctx, key, s); err == nil && s.Annotations[shoot.AnnotationEtcdOperation] != "" {
				patch := client.MergeFrom(s.DeepCopy())
				delete(s.Annotations, shoot.AnnotationEtcdOperation)
				delete(s.Annotations, shoot.AnnotationEtcdRestoreSnapshot)
				if result != "" {
					s.Annotations[resultKey] = result
				}
				if resultKey == shoot.AnnotationEtcdLastRestore {
					s.Status.LastOperation = &gardencorev1beta1.LastOperation{
						Type: gardencorev1beta1.LastOperationTypeReconcile, State: gardencorev1beta1.LastOperationStateSucceeded,
						Progress: 100, LastUpdateTime: metav1.NewTime(time.Now().Add(time.Second)),
					}
				}
				_ = c.Patch(ctx, s, patch)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
}

func TestRequestEtcdOperation(t *testing.T) {
	key := client.ObjectKey{Namespace: "garden-dev", Name: "a"}
	tests := []struct {
		name      string
		op        string
		snapshot  string
		annotated map[string]string
		// result is what the gardenlet records; empty means it refuses.
		result  string
		wantOut string
		wantErr string
	}{
		{name: "a snapshot prints its name", op: shoot.EtcdOperationSnapshot, result: "full-b.db", wantOut: "full-b.db\n"},
		{name: "a restore prints the snapshot restored", op: shoot.EtcdOperationRestore, snapshot: "full-a.db", result: "full-a.db", wantOut: "full-a.db\n"},
		{name: "a refusal is an error", op: shoot.EtcdOperationSnapshot, annotated: map[string]string{shoot.AnnotationEtcdLastSnapshot: "full-a.db"}, wantErr: "the gardenlet refused the etcd snapshot"},
		{name: "a pending operation is not overwritten", op: shoot.EtcdOperationRestore, annotated: map[string]string{shoot.AnnotationEtcdOperation: "snapshot"}, wantErr: `already has etcd operation "snapshot" pending`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			scheme := runtime.NewScheme()
			g.Expect(gardencorev1beta1.AddToScheme(scheme)).To(Succeed())
			g.Expect(corev1.AddToScheme(scheme)).To(Succeed())
			s := &gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name, Annotations: tt.annotated}}
			c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(s).Build()
			resultKey := shoot.AnnotationEtcdLastSnapshot
			if tt.op == shoot.EtcdOperationRestore {
				resultKey = shoot.AnnotationEtcdLastRestore
			}
			if tt.annotated[shoot.AnnotationEtcdOperation] == "" {
				fakeGardenlet(ctx, t, c, key, resultKey, tt.result)
			}

			var progress, out bytes.Buffer
			err := requestEtcdOperation(ctx, c, key, tt.op, tt.snapshot, &progress, &out)
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred(), progress.String())
			g.Expect(out.String()).To(Equal(tt.wantOut))
			g.Expect(progress.String()).To(ContainSubstring("Asked the gardenlet for an etcd " + tt.op))
			got := &gardencorev1beta1.Shoot{}
			g.Expect(c.Get(ctx, key, got)).To(Succeed())
			g.Expect(got.Annotations).NotTo(HaveKey(shoot.AnnotationEtcdOperation))
		})
	}
}

// The restore asks for the snapshot it names.
func TestRequestEtcdRestoreNamesTheSnapshot(t *testing.T) {
	g := NewWithT(t)
	key := client.ObjectKey{Namespace: "garden-dev", Name: "a"}
	scheme := runtime.NewScheme()
	g.Expect(gardencorev1beta1.AddToScheme(scheme)).To(Succeed())
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(&gardencorev1beta1.Shoot{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}).Build()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := requestEtcdOperation(ctx, c, key, shoot.EtcdOperationRestore, "full-a.db", &bytes.Buffer{}, &bytes.Buffer{})
	g.Expect(err).To(MatchError(ContainSubstring("has not done the etcd restore")), "nobody took the request")
	got := &gardencorev1beta1.Shoot{}
	g.Expect(c.Get(context.Background(), key, got)).To(Succeed())
	g.Expect(got.Annotations).To(HaveKeyWithValue(shoot.AnnotationEtcdOperation, shoot.EtcdOperationRestore))
	g.Expect(got.Annotations).To(HaveKeyWithValue(shoot.AnnotationEtcdRestoreSnapshot, "full-a.db"))
}
