package landscape

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/executor/process"
)

// Status prints the landscape's supervisor, each component (state, pid, ports, uptime,
// restarts) and, when the garden answers, its seeds. It reports a landscape that is not
// running without error.
func Status(ctx context.Context, o Options, out io.Writer) error {
	o, err := o.complete()
	if err != nil {
		return err
	}
	l := o.layout()
	if _, err := os.Stat(l.Dir); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(out, "No landscape in %s. 'hortus up' starts one.\n", l.Dir)
		return nil
	}
	isRunning, err := running(l)
	if err != nil {
		return err
	}
	p, err := ReadProgress(l.Progress())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	now := time.Now()
	switch {
	case isRunning && p != nil:
		fmt.Fprintf(out, "Landscape %s: %s (supervisor pid %d, up %s)\n", l.Dir, p.Phase, p.PID, round(now.Sub(p.Started)))
	case p != nil && p.Phase == PhaseFailed:
		fmt.Fprintf(out, "Landscape %s: not running; its last start failed: %s\n", l.Dir, p.Error)
	default:
		fmt.Fprintf(out, "Landscape %s: not running ('hortus up' starts it)\n", l.Dir)
	}

	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\nSET\tCOMPONENT\tSTATE\tPID\tPORTS\tUPTIME\tRESTARTS")
	ex, err := process.New(process.Options{StateDir: l.Components()})
	if err != nil {
		return err
	}
	defer func() { _ = ex.Close() }()
	seedSets, _ := seedSetsOnDisk(l)
	for _, set := range append([]string{GardenSet}, seedSets...) {
		st, err := ex.Status(ctx, set)
		if err != nil {
			fmt.Fprintf(w, "%s\t-\t%v\n", set, err)
			continue
		}
		for _, c := range st {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%d\n", set, c.Name, c.Phase, pidString(c), portsString(c.Ports), uptime(c, now), c.Restarts)
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if !isRunning {
		return nil
	}
	return printSeeds(ctx, l, out)
}

func pidString(c component.Status) string {
	if c.PID == 0 {
		return "-"
	}
	return strconv.Itoa(c.PID)
}

func portsString(ps []component.Port) string {
	var s []string
	for _, p := range ps {
		s = append(s, fmt.Sprintf("%s=%d", p.Name, p.Port))
	}
	sort.Strings(s)
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ",")
}

func uptime(c component.Status, now time.Time) string {
	if c.PID == 0 || c.Started.IsZero() {
		return "-"
	}
	return now.Sub(c.Started).Round(time.Second).String()
}

// printSeeds lists the seeds as the garden reports them.
func printSeeds(ctx context.Context, l Layout, out io.Writer) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", l.GardenKubeconfig())
	if err != nil {
		fmt.Fprintf(out, "\nSeeds: the garden kubeconfig cannot be read: %v\n", err)
		return nil
	}
	cfg.Timeout = 5 * time.Second
	c, err := newAdminClient(cfg)
	if err != nil {
		return err
	}
	seeds := &gardencorev1beta1.SeedList{}
	if err := c.List(ctx, seeds); err != nil {
		fmt.Fprintf(out, "\nSeeds: the garden does not answer: %v\n", err)
		return nil
	}
	shoots := &gardencorev1beta1.ShootList{}
	perSeed := map[string]int{}
	if err := c.List(ctx, shoots, client.InNamespace("")); err == nil {
		for _, s := range shoots.Items {
			if s.Spec.SeedName != nil {
				perSeed[*s.Spec.SeedName]++
			}
		}
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\nSEED\tSTATUS\tSHOOTS\tK8S VERSION\tNOT READY BECAUSE")
	for i := range seeds.Items {
		s := &seeds.Items[i]
		status, why := "Ready", "-"
		if err := SeedNotReady(s); err != nil {
			status, why = "NotReady", strings.ReplaceAll(err.Error(), "\n", "; ")
		}
		version := "-"
		if s.Status.KubernetesVersion != nil {
			version = *s.Status.KubernetesVersion
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\n", s.Name, status, perSeed[s.Name], version, why)
	}
	return w.Flush()
}
