package flow_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hortus-dev/hortus/pkg/flow"
)

// A shoot's control plane is deployed by one graph for both create and reconcile: tasks
// that only a create needs are skipped otherwise.
func Example() {
	create := false
	deploy := func(what string) func(context.Context) error {
		return func(context.Context) error {
			fmt.Println("deployed", what)
			return nil
		}
	}

	g := flow.NewGraph("Shoot reconcile")
	ns := g.Add(flow.Task{Name: "Deploying namespace", Fn: deploy("namespace")})
	secrets := g.Add(flow.Task{
		Name:         "Deploying secrets",
		Fn:           deploy("secrets"),
		Dependencies: flow.NewTaskIDs(ns),
	})
	restore := g.Add(flow.Task{
		Name:         "Restoring etcd from backup",
		Fn:           deploy("etcd backup"),
		Dependencies: flow.NewTaskIDs(ns),
		SkipIf:       !create,
	})
	etcd := g.Add(flow.Task{
		Name:         "Deploying etcd",
		Fn:           deploy("etcd"),
		Dependencies: flow.NewTaskIDs(secrets, restore),
		Timeout:      5 * time.Minute,
		Retry:        flow.Backoff{Initial: 5 * time.Second, Max: 30 * time.Second},
	})
	g.Add(flow.Task{
		Name: "Deploying kube-apiserver",
		Fn: func(context.Context) error {
			return flow.Terminal(errors.New("invalid admission plugin config"))
		},
		Dependencies: flow.NewTaskIDs(etcd),
		Timeout:      5 * time.Minute,
		Retry:        flow.Backoff{Initial: 5 * time.Second, Max: 30 * time.Second},
	})
	f, err := g.Compile()
	if err != nil {
		fmt.Println(err)
		return
	}

	err = f.Run(context.Background(), flow.Opts{
		OnProgress: func(s flow.Stats) {
			if len(s.Running) == 0 {
				fmt.Printf("%d%% done, %d failed\n", s.Percent, s.Failed)
			}
		},
	})
	fmt.Println(err)
	fmt.Println(flow.FailedTasks(err), flow.IsTerminal(err))
	// Output:
	// deployed namespace
	// 25% done, 0 failed
	// deployed secrets
	// 50% done, 0 failed
	// deployed etcd
	// 75% done, 0 failed
	// 75% done, 1 failed
	// task "Deploying kube-apiserver" failed: invalid admission plugin config
	// [Deploying kube-apiserver] true
}
