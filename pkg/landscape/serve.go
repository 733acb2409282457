package landscape

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-logr/logr"

	"github.com/hortus-dev/hortus/pkg/component"
	"github.com/hortus-dev/hortus/pkg/component/kubeapiserver"
	"github.com/hortus-dev/hortus/pkg/executor/process"
	"github.com/hortus-dev/hortus/pkg/gardenapi"
	"github.com/hortus-dev/hortus/pkg/localcluster"
	"github.com/hortus-dev/hortus/pkg/ports"
)

// Serve is the landscape's supervisor: it starts the garden and the seeds in dependency
// order, applies landscape/local, waits until every seed is Ready, and then supervises the
// processes (restarting crashed ones) until ctx ends, when it stops them all and keeps the
// data. It records its progress in the state directory for `hortus up` and `hortus
// status`. Only one supervisor runs per state directory: a second one gets
// ErrAlreadyRunning. A failed bring-up stops what it started.
func Serve(ctx context.Context, o Options) error {
	o, err := o.complete()
	if err != nil {
		return err
	}
	l := o.layout()
	if err := os.MkdirAll(l.Dir, 0o700); err != nil {
		return err
	}
	lock, err := lockFile(l.Lock())
	if err != nil {
		return err
	}
	defer func() { _ = lock.Close() }()

	rec := newRecorder(l.Progress(), time.Now)
	fail := func(err error) error {
		rec.setPhase(PhaseFailed, err, Hint(err))
		return err
	}
	if err := preflight(o); err != nil {
		return fail(err)
	}
	settings, err := readSettings(l.Settings())
	if err != nil {
		return fail(err)
	}
	if o.Seeds > 0 {
		settings.Seeds = o.Seeds
	}
	settings.Seeds = max(settings.Seeds, 1)
	if err := writeJSONAtomic(l.Settings(), settings); err != nil {
		return fail(err)
	}
	seeds := make([]string, settings.Seeds)
	for i := range seeds {
		seeds[i] = SeedName(i)
	}
	rec.update(func(p *Progress) { p.Seeds = seeds })

	exe, err := os.Executable()
	if err != nil {
		return fail(err)
	}
	ex, err := process.New(process.Options{
		StateDir: l.Components(),
		BinDirs:  []string{filepath.Dir(exe), o.BinDir},
		Logger:   o.Logger.WithName("executor"),
	})
	if err != nil {
		return fail(err)
	}
	defer func() { _ = ex.Close() }()

	s := &supervisor{o: o, l: l, rec: rec, ex: ex, log: o.Logger, seeds: seeds, ports: ports.New(l.Ports())}
	upCtx, cancel := context.WithTimeout(ctx, o.Timeout)
	err = s.bringUp(upCtx)
	timedOut := errors.Is(upCtx.Err(), context.DeadlineExceeded)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("interrupted: %w", ctx.Err())
		} else if timedOut {
			err = fmt.Errorf("the landscape did not become ready within %s (--timeout): %w", o.Timeout, err)
		}
		rec.setPhase(PhaseFailed, err, Hint(err))
		s.log.Error(err, "Bring-up failed, stopping what was started")
		if stopErr := s.shutdown(); stopErr != nil {
			s.log.Error(stopErr, "Stopping after the failed bring-up")
		}
		rec.update(func(p *Progress) {}) // keep Failed, with the stop steps recorded
		return err
	}
	rec.setPhase(PhaseReady, nil, "")
	s.log.Info("Landscape ready", "seeds", seeds)

	<-ctx.Done()
	rec.setPhase(PhaseStopping, nil, "")
	s.log.Info("Stopping the landscape")
	if err := s.shutdown(); err != nil {
		rec.setPhase(PhaseFailed, fmt.Errorf("stopping: %w", err), "Run 'hortus down' again; it stops whatever is left.")
		return err
	}
	rec.setPhase(PhaseStopped, nil, "")
	return nil
}

// supervisor brings a landscape up and down.
type supervisor struct {
	o     Options
	l     Layout
	rec   *recorder
	ex    *process.Executor
	log   logr.Logger
	seeds []string
	ports *ports.Allocator

	garden *localcluster.Cluster
	// gardenSet grows component by component during the bring-up.
	gardenSet component.Set
}

// deploy adds comps to the set and deploys it, as one recorded step.
func (s *supervisor) deploy(ctx context.Context, set *component.Set, step string, comps ...component.Component) error {
	return s.rec.step(step, func() error {
		set.Components = append(set.Components, comps...)
		return s.ex.Deploy(ctx, *set)
	})
}

func (s *supervisor) bringUp(ctx context.Context) error {
	garden, err := localcluster.Build(localcluster.Options{
		Name:                  GardenSet,
		PKIDir:                s.l.PKI(GardenSet),
		Ports:                 s.ports,
		ServiceClusterIPRange: seedNetworks(0).Services,
		ControllerManager:     true,
	})
	if err != nil {
		return err
	}
	s.garden = garden
	s.gardenSet = component.Set{Name: GardenSet}
	for _, c := range garden.Set.Components {
		if err := s.deploy(ctx, &s.gardenSet, "garden: "+c.Name, c); err != nil {
			return err
		}
	}
	if err := garden.WriteKubeconfig(garden.Admin, "garden", "admin", s.l.GardenKubeconfig()); err != nil {
		return err
	}

	p, err := s.ports.Allocate(GardenSet, gardenapi.ServiceName, "controller-manager-health", "controller-manager-metrics", "scheduler-health", "scheduler-metrics")
	if err != nil {
		return err
	}
	api, err := gardenapi.Component(garden, s.l.PKI(GardenSet), p[gardenapi.ServiceName])
	if err != nil {
		return err
	}
	if err := s.rec.step("garden: "+api.Name, func() error {
		// The Hortus API server reads the front-proxy configuration at start: its rights
		// come first.
		if err := gardenapi.GrantRights(ctx, garden); err != nil {
			return err
		}
		s.gardenSet.Components = append(s.gardenSet.Components, api)
		if err := s.ex.Deploy(ctx, s.gardenSet); err != nil {
			return err
		}
		return gardenapi.Register(ctx, garden, p[gardenapi.ServiceName])
	}); err != nil {
		return err
	}

	admin, err := newAdminClient(garden.Admin)
	if err != nil {
		return err
	}
	if err := ensureObjects(ctx, admin, controllerRBAC()...); err != nil {
		return fmt.Errorf("granting the controller-manager and scheduler their rights: %w", err)
	}
	cmKubeconfig, err := s.kubeconfig(garden, GardenSet, ControllerManagerUser)
	if err != nil {
		return err
	}
	cm, err := controllerManagerComponent(cmKubeconfig, p["controller-manager-health"], p["controller-manager-metrics"], []string{gardenapi.ComponentName})
	if err != nil {
		return err
	}
	if err := s.deploy(ctx, &s.gardenSet, "garden: "+cm.Name, cm); err != nil {
		return err
	}
	schedKubeconfig, err := s.kubeconfig(garden, GardenSet, SchedulerUser)
	if err != nil {
		return err
	}
	sched, err := schedulerComponent(schedKubeconfig, p["scheduler-health"], p["scheduler-metrics"], []string{gardenapi.ComponentName})
	if err != nil {
		return err
	}
	if err := s.deploy(ctx, &s.gardenSet, "garden: "+sched.Name, sched); err != nil {
		return err
	}

	versions, err := KubeVersions(s.o.BinDir)
	if err != nil {
		return err
	}
	if err := s.rec.step("garden: apply landscape/local", func() error {
		return applyLocal(ctx, admin, versions, s.l.BackupBuckets())
	}); err != nil {
		return err
	}

	if err := s.rec.step("garden: backup credentials", func() error {
		return ensureBackupSecret(ctx, admin)
	}); err != nil {
		return err
	}
	for i, seed := range s.seeds {
		if err := s.startSeed(ctx, admin, i, seed); err != nil {
			return err
		}
	}
	for _, seed := range s.seeds {
		if err := s.rec.step("seed "+seed+": Ready", func() error { return waitSeedReady(ctx, admin, seed) }); err != nil {
			return fmt.Errorf("seed %s: %w (the gardenlet's log: %s)", seed, err, s.logPath(SeedSet(seed), Gardenlet))
		}
	}
	return nil
}

// startSeed starts the seed's own cluster (for every seed but the first, which reuses the
// garden cluster) and its gardenlet.
func (s *supervisor) startSeed(ctx context.Context, admin adminClient, i int, seed string) error {
	set := component.Set{Name: SeedSet(seed)}
	seedCluster := s.garden
	var dependsOn []string
	if i > 0 {
		c, err := localcluster.Build(localcluster.Options{
			Name:                  SeedSet(seed),
			PKIDir:                s.l.PKI(SeedSet(seed)),
			Ports:                 s.ports,
			ServiceClusterIPRange: seedNetworks(i).Services,
			ControllerManager:     true,
		})
		if err != nil {
			return err
		}
		for _, comp := range c.Set.Components {
			if err := s.deploy(ctx, &set, "seed "+seed+": "+comp.Name, comp); err != nil {
				return err
			}
		}
		if err := c.WriteKubeconfig(c.Admin, SeedSet(seed), "admin", s.l.SeedKubeconfig(seed)); err != nil {
			return err
		}
		seedCluster = c
		dependsOn = []string{kubeapiserver.DefaultName}
	}
	if err := ensureObjects(ctx, admin, gardenletRBAC(seed)...); err != nil {
		return fmt.Errorf("granting the gardenlet of seed %s its rights: %w", seed, err)
	}
	gardenKubeconfig, err := s.kubeconfig(s.garden, GardenSet, GardenletUser(seed), GardenletGroup)
	if err != nil {
		return err
	}
	seedAdmin, err := newAdminClient(seedCluster.Admin)
	if err != nil {
		return err
	}
	if err := ensureObjects(ctx, seedAdmin, seedRBAC(seed)...); err != nil {
		return fmt.Errorf("granting the gardenlet of seed %s its rights in the seed cluster: %w", seed, err)
	}
	seedKubeconfig, err := s.kubeconfig(seedCluster, SeedSet(seed), GardenletSeedUser(seed))
	if err != nil {
		return err
	}
	p, err := s.ports.Allocate(SeedSet(seed), "gardenlet-health", "gardenlet-metrics")
	if err != nil {
		return err
	}
	gl, err := gardenletComponent(i, s.l, s.o.BinDir, gardenKubeconfig, seedKubeconfig, p["gardenlet-health"], p["gardenlet-metrics"], dependsOn)
	if err != nil {
		return err
	}
	return s.deploy(ctx, &set, "seed "+seed+": "+gl.Name, gl)
}

// kubeconfig returns a kubeconfig for user (in groups) of cluster c, with a client
// certificate kept in the cluster's PKI directory so that it is the same on every start.
func (s *supervisor) kubeconfig(c *localcluster.Cluster, cluster, user string, groups ...string) ([]byte, error) {
	cfg, err := c.PersistentUserConfig(user, groups...)
	if err != nil {
		return nil, err
	}
	return c.Kubeconfig(cfg, cluster, user)
}

func (s *supervisor) logPath(set, comp string) string {
	return filepath.Join(s.l.Components(), set, comp, comp+".log")
}

// shutdown stops the seeds (gardenlets first, then the shoot control planes they run and
// their clusters) and then the garden, keeping all data.
func (s *supervisor) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return stopLandscape(ctx, s.l, s.ex, s.rec, s.log)
}

// stopLandscape stops every set of the landscape in order: each seed's set and the shoot
// control planes in its gardenlet's state directory, last seed first, then the garden.
// It works from the state directory, so it also stops what a dead supervisor left.
func stopLandscape(ctx context.Context, l Layout, ex *process.Executor, rec *recorder, log logr.Logger) error {
	var errs []error
	seedSets, err := seedSetsOnDisk(l)
	if err != nil {
		errs = append(errs, err)
	}
	step := func(name string, fn func() error) error {
		if rec == nil {
			return fn()
		}
		return rec.step(name, fn)
	}
	for i := len(seedSets) - 1; i >= 0; i-- {
		set := seedSets[i]
		if err := step("stop "+set, func() error { return ex.Stop(ctx, set) }); err != nil {
			errs = append(errs, err)
		}
	}
	for _, dir := range seedStateDirs(l) {
		what := "the control plane of " + filepath.Base(dir)
		if filepath.Base(dir) == "machines" {
			what = "the simulated machines of " + filepath.Base(filepath.Dir(dir))
		}
		if err := step("stop "+what, func() error {
			return stopAllIn(ctx, dir, log)
		}); err != nil {
			errs = append(errs, err)
		}
	}
	if err := step("stop "+GardenSet, func() error { return ex.Stop(ctx, GardenSet) }); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// stopAllIn stops every set that a process executor keeps in dir.
func stopAllIn(ctx context.Context, dir string, log logr.Logger) error {
	ex, err := process.New(process.Options{StateDir: dir, Logger: log})
	if err != nil {
		return err
	}
	return errors.Join(ex.StopAll(ctx), ex.Close())
}

// seedSetsOnDisk lists the seed sets in the executor's state directory, in seed order.
func seedSetsOnDisk(l Layout) ([]string, error) {
	entries, err := os.ReadDir(l.Components())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "seed-") {
			out = append(out, e.Name())
		}
	}
	// local, local-2, local-3, …: by length, then by name, is seed order.
	slices.SortFunc(out, func(a, b string) int { return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b)) })
	return out, nil
}

// seedStateDirs lists the state directories of the executors of the shoot control
// planes, each preceded by the directory of the shoot's simulated machines when it has
// one, so that machines stop before the control plane they joined.
func seedStateDirs(l Layout) []string {
	dirs, _ := filepath.Glob(filepath.Join(l.Dir, "seeds", "*", "*"))
	var out []string
	for _, d := range dirs {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			if st, err := os.Stat(filepath.Join(d, "machines")); err == nil && st.IsDir() {
				out = append(out, filepath.Join(d, "machines"))
			}
			out = append(out, d)
		}
	}
	return out
}
