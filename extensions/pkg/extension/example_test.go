package extension_test

import (
	"context"
	"errors"
	"fmt"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/hortus-dev/hortus/extensions/pkg/extension"
)

// localNetwork is a provider's Actuator for Networks of type "local".
type localNetwork struct{}

func (localNetwork) Reconcile(_ context.Context, log logr.Logger, nw *extensionsv1alpha1.Network, cluster *extension.Cluster) error {
	if nw.Spec.PodCIDR == "" {
		// Retrying does not help: the object is marked Failed.
		return reconcile.TerminalError(errors.New("spec.podCIDR is empty"))
	}
	log.Info("Network is ready", "shoot", cluster.Shoot.Name)
	return nil
}

func (localNetwork) Delete(context.Context, logr.Logger, *extensionsv1alpha1.Network, *extension.Cluster) error {
	return nil
}

// A provider adds one controller per kind and type; the library handles the finalizer, the
// operation annotation and the status.
func ExampleAdd() {
	var mgr manager.Manager // the extension's manager, with extensions.gardener.cloud/v1alpha1 in its scheme
	if mgr == nil {
		return
	}
	err := extension.Add(mgr, extension.Args[*extensionsv1alpha1.Network]{
		Name:      "local-network",
		NewObject: func() *extensionsv1alpha1.Network { return &extensionsv1alpha1.Network{} },
		Type:      "local",
		Actuator:  localNetwork{},
	})
	if err != nil {
		panic(err)
	}
}

// The gardenlet polls an extension object with CheckReady until it returns nil, and gives
// up early on ErrFailed.
func ExampleCheckReady() {
	nw := &extensionsv1alpha1.Network{ObjectMeta: metav1.ObjectMeta{Name: "shoot", Namespace: "shoot--dev--a", Generation: 2}}
	nw.Status.ObservedGeneration = 1
	fmt.Println(extension.CheckReady(nw))

	nw.Status.ObservedGeneration = 2
	nw.Status.LastOperation = &gardencorev1beta1.LastOperation{Type: gardencorev1beta1.LastOperationTypeCreate, State: gardencorev1beta1.LastOperationStateFailed}
	nw.Status.LastError = &gardencorev1beta1.LastError{Description: "Error reconciling the Network: spec.podCIDR is empty"}
	err := extension.CheckReady(nw)
	fmt.Println(errors.Is(err, extension.ErrFailed), errors.Is(err, extension.ErrNotReady))

	nw.Status.LastOperation.State = gardencorev1beta1.LastOperationStateSucceeded
	nw.Status.LastError = nil
	fmt.Println(extension.CheckReady(nw))
	// Output:
	// the extension controller has not finished the operation: generation 2 is not observed yet (observed: 1)
	// true false
	// <nil>
}
