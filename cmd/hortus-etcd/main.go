// Command hortus-etcd is Hortus' embedded etcd alone: the etcd command of hortus in a
// binary without the rest of Hortus, so that every control plane's etcd maps a small
// executable. "hortus-etcd etcd …" takes the same arguments as "hortus etcd …".
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/hortus-dev/hortus/pkg/cli/etcdcmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := etcdcmd.NewRoot("hortus-etcd").ExecuteContext(ctx)
	interrupted := ctx.Err() != nil
	stop()
	if err != nil {
		if errors.Is(err, context.Canceled) && interrupted {
			fmt.Fprintln(os.Stderr, "Interrupted.")
			os.Exit(130)
		}
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}
