package controller_test

import (
	"maps"
	"testing"

	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"

	"github.com/hortus-dev/hortus/pkg/scheduler/controller"
)

func TestShootCounters(t *testing.T) {
	migrating := func(from, to string) func(*gardencorev1beta1.Shoot) {
		return func(s *gardencorev1beta1.Shoot) {
			s.Spec.SeedName, s.Status.SeedName = ptr.To(to), ptr.To(from)
		}
	}
	shoots := []*gardencorev1beta1.Shoot{
		shoot("unscheduled", "eu-west-1", nil),
		shoot("on-a", "eu-west-1", scheduledOn("a")),
		shoot("also-on-a", "eu-west-1", scheduledOn("a")),
		shoot("reconciled-on-b", "eu-west-1", migrating("b", "b")),
		shoot("a-to-c", "eu-west-1", migrating("a", "c")),
	}
	want := map[string]int{"a": 3, "b": 1, "c": 1}

	objs := make([]client.Object, len(shoots))
	indexer := toolscache.NewIndexer(toolscache.MetaNamespaceKeyFunc, controller.SeedNameIndexers())
	for i, s := range shoots {
		objs[i] = s
		if err := indexer.Add(s); err != nil {
			t.Fatal(err)
		}
	}

	counters := map[string]controller.ShootCounter{
		"ListCounter":  controller.ListCounter{Reader: newGarden(t, objs...)},
		"IndexCounter": controller.IndexCounter{Indexer: indexer},
	}
	for name, counter := range counters {
		got, err := counter.ShootsPerSeed(t.Context())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s counted %v, want %v", name, got, want)
		}
	}

	// The index follows the informer's updates and deletions.
	done := shoots[4].DeepCopy()
	done.Status.SeedName = ptr.To("c")
	if err := indexer.Update(done); err != nil {
		t.Fatal(err)
	}
	if err := indexer.Delete(shoots[3]); err != nil {
		t.Fatal(err)
	}
	got, err := controller.IndexCounter{Indexer: indexer}.ShootsPerSeed(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"a": 2, "c": 1}; !maps.Equal(got, want) {
		t.Errorf("IndexCounter after the migration finished and b's shoot was deleted counted %v, want %v", got, want)
	}
}
