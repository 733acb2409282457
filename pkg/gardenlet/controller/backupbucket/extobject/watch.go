package extobject

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"
)

// watchRetryInterval is how often Watch tries again to watch a kind whose
// CustomResourceDefinition is not there yet.
const watchRetryInterval = 2 * time.Second

// Watch returns a source of the events of obj's kind in the seed cache c, each mapped to
// the requests that mapFn returns. Unlike a source.Kind it does not hold up the
// controller (or the gardenlet) until it has synced: the extension CRDs may not be in the
// seed yet when the gardenlet starts (its seed controller installs them), so it tries
// again every few seconds in the background until the kind can be watched. Until then
// the controllers' RequeueAfter makes up for the missing events.
func Watch[T client.Object](c cache.Cache, obj T, mapFn func(context.Context, T) []reconcile.Request) source.Source {
	return source.Func(func(ctx context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
		log := logf.FromContext(ctx).WithValues("kind", kindOf(obj))
		enqueue := func(o any) {
			if tombstone, ok := o.(toolscache.DeletedFinalStateUnknown); ok {
				o = tombstone.Obj
			}
			typed, ok := o.(T)
			if !ok {
				return
			}
			for _, req := range mapFn(ctx, typed) {
				q.Add(req)
			}
		}
		go func() {
			attempts := 0
			_ = wait.PollUntilContextCancel(ctx, watchRetryInterval, true, func(ctx context.Context) (bool, error) {
				informer, err := c.GetInformer(ctx, obj, cache.BlockUntilSynced(false))
				if err == nil {
					_, err = informer.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
						AddFunc:    enqueue,
						UpdateFunc: func(_, o any) { enqueue(o) },
						DeleteFunc: enqueue,
					})
				}
				if err != nil {
					// Log the first failure and then about once a minute.
					if attempts%30 == 0 {
						log.Info("Cannot watch the extension objects in the seed yet, trying again", "reason", err.Error())
					}
					attempts++
					return false, nil
				}
				if attempts > 0 {
					log.Info("Watching the extension objects in the seed")
				}
				return true, nil
			})
		}()
		return nil
	})
}
