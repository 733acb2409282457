package controller_test

import (
	"net/http"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/hortus-dev/hortus/pkg/scheduler/controller"
)

func TestAddToManager(t *testing.T) {
	// With a static REST mapper, the manager only connects to the API server when started.
	scheme := testScheme(t)
	mapper := meta.NewDefaultRESTMapper(nil)
	for gvk := range scheme.AllKnownTypes() {
		mapper.Add(gvk, meta.RESTScopeNamespace)
	}
	mgr, err := manager.New(&rest.Config{Host: "https://127.0.0.1:1"}, manager.Options{
		Scheme:                 scheme,
		MapperProvider:         func(*rest.Config, *http.Client) (meta.RESTMapper, error) { return mapper, nil },
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		// Controller names are unique per process; allow go test -count=2.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &controller.ShootScheduler{}
	if err := r.AddToManager(mgr); err != nil {
		t.Fatalf("AddToManager() error = %v", err)
	}
	if r.Client == nil || r.Binder == nil || r.Recorder == nil || r.Clock == nil {
		t.Errorf("AddToManager() left dependencies unset: %+v", r)
	}
	if _, ok := r.Counter.(controller.IndexCounter); !ok {
		t.Errorf("AddToManager() set Counter to %T, want an IndexCounter on the shoot informer", r.Counter)
	}
}
