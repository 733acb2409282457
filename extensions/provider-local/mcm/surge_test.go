package mcm

import (
	"context"
	"testing"
	"time"

	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	machinefake "github.com/gardener/machine-controller-manager/pkg/client/clientset/versioned/fake"
	machinelisters "github.com/gardener/machine-controller-manager/pkg/client/listers/machine/v1alpha1"
	"github.com/go-logr/logr/funcr"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
)

// barrierFixture is a MachineSet client with the scale-up barrier over a fake clientset,
// and the informer cache the barrier reads, which the tests fill by hand.
type barrierFixture struct {
	cache  cache.Indexer
	client barrierMachineSets
	// written receives the name of each set the fake API server stored.
	written chan string
	// logged holds the barrier's log messages.
	logged chan string
}

func newBarrierFixture(t *testing.T, timeout time.Duration, sets ...*machinev1alpha1.MachineSet) *barrierFixture {
	t.Helper()
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	fake := machinefake.NewSimpleClientset()
	written := make(chan string, 10)
	fake.PrependReactor("*", "machinesets", func(action k8stesting.Action) (bool, runtime.Object, error) {
		if w, ok := action.(interface{ GetObject() runtime.Object }); ok && (action.GetVerb() == "create" || action.GetVerb() == "update") {
			select {
			case written <- w.GetObject().(*machinev1alpha1.MachineSet).Name:
			default:
			}
		}
		return false, nil, nil
	})
	for _, s := range sets {
		if _, err := fake.MachineV1alpha1().MachineSets(s.Namespace).Create(context.Background(), s, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := indexer.Add(s.DeepCopy()); err != nil {
			t.Fatal(err)
		}
	}
	for range sets {
		<-written
	}
	logged := make(chan string, 10)
	log := funcr.New(func(_, args string) {
		select {
		case logged <- args:
		default:
		}
	}, funcr.Options{})
	barrier := &scaleUpBarrier{stopped: t.Context().Done(), log: log, sets: machinelisters.NewMachineSetLister(indexer), timeout: timeout}
	c := coreClient{MachineV1alpha1Interface: fake.MachineV1alpha1(), barrier: barrier}
	return &barrierFixture{cache: indexer, client: c.MachineSets("shoot--a--b").(barrierMachineSets), written: written, logged: logged}
}

// stored waits until the fake API server has stored a write of the set.
func (f *barrierFixture) stored(t *testing.T) {
	t.Helper()
	select {
	case <-f.written:
	case <-time.After(10 * time.Second):
		t.Fatal("the client wrote nothing")
	}
}

// observe puts what the informer would see of a set into the cache.
func (f *barrierFixture) observe(t *testing.T, set *machinev1alpha1.MachineSet) {
	t.Helper()
	if err := f.cache.Update(set.DeepCopy()); err != nil {
		t.Fatal(err)
	}
}

func machineSet(generation int64, replicas, counted int32) *machinev1alpha1.MachineSet {
	return &machinev1alpha1.MachineSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shoot--a--b", Name: "pool-z1-abcde", UID: "uid-1", Generation: generation},
		Spec:       machinev1alpha1.MachineSetSpec{Replicas: replicas},
		Status:     machinev1alpha1.MachineSetStatus{Replicas: counted},
	}
}

// inBackground runs call and returns a channel closed when it returns.
func inBackground(t *testing.T, call func() error) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := call(); err != nil {
			t.Error(err)
		}
	}()
	return done
}

// scaleUp scales the fixture's set from 1 to 2 replicas in the background, once the fake
// API server has stored it, and returns a channel closed when the call returns.
func (f *barrierFixture) scaleUp(t *testing.T) <-chan struct{} {
	done := inBackground(t, func() error {
		_, err := f.client.Update(context.Background(), machineSet(2, 2, 1), metav1.UpdateOptions{})
		return err
	})
	f.stored(t)
	return done
}

func TestScaleUpWaitsUntilTheSetCountsItsMachines(t *testing.T) {
	g := NewWithT(t)
	f := newBarrierFixture(t, time.Hour, machineSet(1, 1, 1))

	done := f.scaleUp(t)
	// The informer has not seen the write: its copy wants 1 machine and counts 1.
	g.Consistently(done, 200*time.Millisecond).ShouldNot(BeClosed(), "the scale-up returned before the informer saw it")
	// It sees the write, but the set has not counted its new machine yet.
	f.observe(t, machineSet(2, 2, 1))
	g.Consistently(done, 200*time.Millisecond).ShouldNot(BeClosed(), "the scale-up returned before the set counted its machines")

	f.observe(t, machineSet(3, 2, 2))
	g.Eventually(done, 10*time.Second).Should(BeClosed())
}

func TestCreatingASetWithReplicasWaitsForItsMachines(t *testing.T) {
	g := NewWithT(t)
	f := newBarrierFixture(t, time.Hour)

	done := inBackground(t, func() error {
		_, err := f.client.Create(context.Background(), machineSet(1, 1, 0), metav1.CreateOptions{})
		return err
	})
	f.stored(t)
	g.Consistently(done, 200*time.Millisecond).ShouldNot(BeClosed(), "the new set returned before the informer saw it")
	if err := f.cache.Add(machineSet(1, 1, 0)); err != nil {
		t.Fatal(err)
	}
	g.Consistently(done, 200*time.Millisecond).ShouldNot(BeClosed())
	f.observe(t, machineSet(2, 1, 1))
	g.Eventually(done, 10*time.Second).Should(BeClosed())
}

func TestWritesThatRaiseNothingDoNotWait(t *testing.T) {
	g := NewWithT(t)
	// Nothing ever counts a machine here: a call that waited would not return.
	f := newBarrierFixture(t, time.Hour, machineSet(1, 3, 0))

	g.Eventually(inBackground(t, func() error {
		// A scale-down, and an update of annotations only.
		_, err := f.client.Update(context.Background(), machineSet(2, 2, 0), metav1.UpdateOptions{})
		if err != nil {
			return err
		}
		f.observe(t, machineSet(2, 2, 0))
		_, err = f.client.Update(context.Background(), machineSet(3, 2, 0), metav1.UpdateOptions{})
		return err
	}), 10*time.Second).Should(BeClosed())
	g.Eventually(inBackground(t, func() error {
		_, err := f.client.Create(context.Background(), &machinev1alpha1.MachineSet{ObjectMeta: metav1.ObjectMeta{Namespace: "shoot--a--b", Name: "empty"}}, metav1.CreateOptions{})
		return err
	}), 10*time.Second).Should(BeClosed())
}

func TestScaleUpStopsWaitingWhenTheSetNoLongerNeedsIt(t *testing.T) {
	for name, seen := range map[string]func(f *barrierFixture, t *testing.T){
		"scaled down again": func(f *barrierFixture, t *testing.T) { f.observe(t, machineSet(3, 1, 1)) },
		"deleted": func(f *barrierFixture, t *testing.T) {
			// Deleted, as the informer sees it: a set that it has had and has no more.
			if err := f.cache.Delete(machineSet(2, 2, 1)); err != nil {
				t.Fatal(err)
			}
		},
		"replaced by a set of the same name": func(f *barrierFixture, t *testing.T) {
			s := machineSet(1, 2, 0)
			s.UID = "uid-2"
			f.observe(t, s)
		},
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			f := newBarrierFixture(t, time.Hour, machineSet(1, 1, 1))
			done := f.scaleUp(t)
			f.observe(t, machineSet(2, 2, 1))
			g.Consistently(done, 100*time.Millisecond).ShouldNot(BeClosed())
			seen(f, t)
			g.Eventually(done, 10*time.Second).Should(BeClosed())
		})
	}
}

func TestScaleUpGivesUpAfterItsTimeout(t *testing.T) {
	g := NewWithT(t)
	f := newBarrierFixture(t, 100*time.Millisecond, machineSet(1, 1, 1))
	var updated *machinev1alpha1.MachineSet
	done := inBackground(t, func() error {
		var err error
		updated, err = f.client.Update(context.Background(), machineSet(2, 2, 1), metav1.UpdateOptions{})
		return err
	})
	g.Eventually(done, 10*time.Second).Should(BeClosed())
	g.Expect(updated.Spec.Replicas).To(Equal(int32(2)), "the write itself stands")
	g.Expect(f.logged).To(Receive(ContainSubstring("did not count its new machines in time")))
}

func TestScaleUpStopsWaitingWhenMachineControllerManagerStops(t *testing.T) {
	g := NewWithT(t)
	f := newBarrierFixture(t, time.Hour, machineSet(1, 1, 1))
	ctx, stop := context.WithCancel(t.Context())
	f.client.barrier.stopped = ctx.Done()
	done := f.scaleUp(t)
	g.Consistently(done, 100*time.Millisecond).ShouldNot(BeClosed())
	stop()
	g.Eventually(done, 10*time.Second).Should(BeClosed())
	g.Expect(f.logged).NotTo(Receive(), "a stop is no timeout")
}
