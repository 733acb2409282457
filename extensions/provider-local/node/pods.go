package node

import (
	"context"
	"fmt"
	"sync"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
)

// podWorkers is the number of Pods the node reports on at the same time.
const podWorkers = 2

// pods reports the Pods bound to the node as Running and finishes their deletion. It
// watches only those Pods (a spec.nodeName field selector), through one informer whose
// cache holds them without managed fields.
type pods struct {
	log      logr.Logger
	client   kubernetes.Interface
	clock    clock.PassiveClock
	nodeName string
	hostIP   string
	ips      *podIPs

	informer cache.SharedIndexInformer
	queue    workqueue.TypedRateLimitingInterface[string]
}

func newPods(log logr.Logger, client kubernetes.Interface, clk clock.PassiveClock, nodeName, hostIP string, ips *podIPs) (*pods, error) {
	selector := fields.OneTermEqualSelector("spec.nodeName", nodeName).String()
	lw := cache.NewFilteredListWatchFromClient(client.CoreV1().RESTClient(), "pods", metav1.NamespaceAll, func(o *metav1.ListOptions) {
		o.FieldSelector = selector
	})
	p := &pods{
		log: log, client: client, clock: clk, nodeName: nodeName, hostIP: hostIP, ips: ips,
		informer: cache.NewSharedIndexInformer(lw, &corev1.Pod{}, 0, cache.Indexers{}),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "pods"}),
	}
	if err := p.informer.SetTransform(func(obj any) (any, error) {
		if pod, ok := obj.(*corev1.Pod); ok {
			pod.ManagedFields = nil
		}
		return obj, nil
	}); err != nil {
		return nil, err
	}
	enqueue := func(obj any) {
		if pod, ok := obj.(*corev1.Pod); ok && !needsSync(pod, hostIP) {
			return
		}
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			p.queue.Add(key)
		}
	}
	if _, err := p.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: func(obj any) {
			if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
				p.queue.Add(key)
			}
		},
	}); err != nil {
		return nil, err
	}
	return p, nil
}

// run watches the Pods until ctx is done. Before the workers start, it reserves the
// addresses of the Pods that have one, so that no new Pod gets an address in use.
func (p *pods) run(ctx context.Context) error {
	defer p.queue.ShutDown()
	var wg sync.WaitGroup
	wg.Go(func() { p.informer.RunWithContext(ctx) })
	defer wg.Wait()
	if !cache.WaitForCacheSync(ctx.Done(), p.informer.HasSynced) {
		return ctx.Err()
	}
	for _, obj := range p.informer.GetStore().List() {
		pod := obj.(*corev1.Pod)
		if pod.Status.PodIP != "" && !pod.Spec.HostNetwork {
			p.ips.reserve(cache.NewObjectName(pod.Namespace, pod.Name).String(), pod.Status.PodIP)
		}
	}
	p.log.Info("Watching the pods bound to the node", "pods", len(p.informer.GetStore().ListKeys()))
	for range podWorkers {
		wg.Go(func() {
			for p.next(ctx) {
			}
		})
	}
	<-ctx.Done()
	p.queue.ShutDown()
	return nil
}

func (p *pods) next(ctx context.Context) bool {
	key, shutdown := p.queue.Get()
	if shutdown {
		return false
	}
	defer p.queue.Done(key)
	if err := p.sync(ctx, key); err != nil {
		if ctx.Err() == nil {
			p.log.Error(err, "Could not sync the pod, retrying", "pod", key)
		}
		p.queue.AddRateLimited(key)
		return true
	}
	p.queue.Forget(key)
	return true
}

// sync reports the Pod key as running, or deletes it for good when it is being deleted.
func (p *pods) sync(ctx context.Context, key string) error {
	obj, exists, err := p.informer.GetStore().GetByKey(key)
	if err != nil {
		return err
	}
	if !exists {
		p.ips.release(key)
		return nil
	}
	pod := obj.(*corev1.Pod)
	log := p.log.WithValues("pod", key)
	if pod.DeletionTimestamp != nil {
		// The containers "stopped" at once: finish the deletion as a kubelet does once
		// they have.
		err := p.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
			GracePeriodSeconds: ptr.To[int64](0),
			Preconditions:      &metav1.Preconditions{UID: &pod.UID},
		})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return fmt.Errorf("deleting pod %s: %w", key, err)
		}
		log.V(1).Info("Deleted the terminating pod")
		return nil
	}
	if !needsSync(pod, p.hostIP) {
		return nil
	}
	podIP := p.hostIP
	if !pod.Spec.HostNetwork {
		if podIP, err = p.allocate(key, pod); err != nil {
			return err
		}
	}
	updated := pod.DeepCopy()
	updated.Status = runningStatus(pod, p.hostIP, podIP, metav1.NewTime(p.clock.Now()))
	if _, err := p.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("reporting pod %s as running: %w", key, err)
	}
	log.V(1).Info("Reported the pod as running", "podIP", updated.Status.PodIP)
	return nil
}

// allocate returns the pod's address: the one it has, else a new one.
func (p *pods) allocate(key string, pod *corev1.Pod) (string, error) {
	if pod.Status.PodIP != "" {
		p.ips.reserve(key, pod.Status.PodIP)
		return pod.Status.PodIP, nil
	}
	return p.ips.allocate(key)
}
