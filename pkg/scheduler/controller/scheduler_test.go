package controller_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	testclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	schedulerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/scheduler/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"

	"github.com/hortus-dev/hortus/pkg/scheduler/controller"
	"github.com/hortus-dev/hortus/pkg/scheduler/decision"
)

const namespace = "garden-dev"

var now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func testScheme(t testing.TB) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := gardencorev1beta1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return s
}

// newGarden returns a fake garden holding objs. Its shoots/binding subresource behaves like
// Gardener's: an update with a Shoot body sets spec.seedName, failing on a stale
// resourceVersion.
func newGarden(t testing.TB, objs ...client.Object) client.Client {
	t.Helper()
	return newGardenWith(t, interceptor.Funcs{}, nil, objs...)
}

// newGardenWith is newGarden with funcs intercepting calls, and with bound called after each
// successful binding.
func newGardenWith(t testing.TB, funcs interceptor.Funcs, bound func(*gardencorev1beta1.Shoot), objs ...client.Object) client.Client {
	t.Helper()
	funcs.SubResourceUpdate = func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
		shoot, ok := obj.(*gardencorev1beta1.Shoot)
		if sub != "binding" || !ok {
			return c.SubResource(sub).Update(ctx, obj, opts...)
		}
		if shoot.Spec.SeedName == nil {
			return apierrors.NewBadRequest("binding without spec.seedName")
		}
		if err := c.Update(ctx, shoot); err != nil {
			return err
		}
		if bound != nil {
			bound(shoot)
		}
		return nil
	}
	return fake.NewClientBuilder().
		WithScheme(testScheme(t)).
		WithObjects(objs...).
		WithStatusSubresource(&gardencorev1beta1.Shoot{}).
		WithInterceptorFuncs(funcs).
		Build()
}

func cloudProfile(name string, selector *gardencorev1beta1.SeedSelector) *gardencorev1beta1.CloudProfile {
	return &gardencorev1beta1.CloudProfile{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       gardencorev1beta1.CloudProfileSpec{Type: "aws", SeedSelector: selector},
	}
}

func seed(name, region string, ready bool, labels map[string]string) *gardencorev1beta1.Seed {
	status := gardencorev1beta1.ConditionTrue
	if !ready {
		status = gardencorev1beta1.ConditionFalse
	}
	return &gardencorev1beta1.Seed{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: gardencorev1beta1.SeedSpec{
			Provider: gardencorev1beta1.SeedProvider{Type: "aws", Region: region},
			Networks: gardencorev1beta1.SeedNetworks{Pods: "10.1.0.0/16", Services: "10.2.0.0/16"},
		},
		Status: gardencorev1beta1.SeedStatus{
			Conditions: []gardencorev1beta1.Condition{{Type: gardencorev1beta1.GardenletReady, Status: status}},
		},
	}
}

func shoot(name, region string, mutate func(*gardencorev1beta1.Shoot)) *gardencorev1beta1.Shoot {
	s := &gardencorev1beta1.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: gardencorev1beta1.ShootSpec{
			CloudProfile: &gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: "aws"},
			Region:       region,
			Provider:     gardencorev1beta1.Provider{Type: "aws"},
		},
	}
	if mutate != nil {
		mutate(s)
	}
	return s
}

func scheduledOn(seedName string) func(*gardencorev1beta1.Shoot) {
	return func(s *gardencorev1beta1.Shoot) { s.Spec.SeedName = ptr.To(seedName) }
}

func drain(r *events.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-r.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func TestReconcile(t *testing.T) {
	prod := map[string]string{"env": "prod"}
	tests := []struct {
		name     string
		objs     []client.Object
		shoot    *gardencorev1beta1.Shoot
		config   *schedulerconfigv1alpha1.ShootSchedulerConfiguration
		bindErr  error // returned by the binding subresource, if set
		wantSeed string
		// wantEvent is a prefix of the only event recorded; empty means none.
		wantEvent string
		// wantErr: "" for success, "retry" for an error controller-runtime retries, and
		// "terminal" for a terminal error.
		wantErr string
	}{
		{
			name:      "schedules onto the seed in the shoot's region",
			objs:      []client.Object{cloudProfile("aws", nil), seed("eu", "eu-west-1", true, nil), seed("us", "us-east-1", true, nil)},
			shoot:     shoot("s", "us-east-1", nil),
			wantSeed:  "us",
			wantEvent: `Normal SchedulingSuccessful Scheduled to seed "us"`,
		},
		{
			name: "counts shoots on a seed, including those migrating away from it",
			objs: []client.Object{
				cloudProfile("aws", nil), seed("a", "eu-west-1", true, nil), seed("b", "eu-west-1", true, nil),
				shoot("on-a", "eu-west-1", scheduledOn("a")),
				shoot("a-to-b", "eu-west-1", func(s *gardencorev1beta1.Shoot) {
					s.Spec.SeedName = ptr.To("b")
					s.Status.SeedName = ptr.To("a")
				}),
			},
			shoot:     shoot("s", "eu-west-1", nil),
			wantSeed:  "b",
			wantEvent: `Normal SchedulingSuccessful Scheduled to seed "b"`,
		},
		{
			name:  "no seed fits: warning naming each seed's reason, retried",
			objs:  []client.Object{cloudProfile("aws", nil), seed("eu", "eu-west-1", true, nil), seed("us", "us-east-1", false, nil)},
			shoot: shoot("s", "us-east-1", nil),
			wantEvent: "Warning SchedulingFailed Failed to schedule shoot: 0/2 seeds are available: " +
				"eu: region eu-west-1 is not the shoot's region us-east-1 (strategy SameRegion); us: not ready (GardenletReady is False)",
			wantErr: "retry",
		},
		{
			name:     "shoot with a seed is left alone",
			objs:     []client.Object{cloudProfile("aws", nil), seed("eu", "eu-west-1", true, nil)},
			shoot:    shoot("s", "us-east-1", scheduledOn("elsewhere")),
			wantSeed: "elsewhere",
		},
		{
			name: "shoot being deleted is left alone",
			objs: []client.Object{cloudProfile("aws", nil), seed("eu", "eu-west-1", true, nil)},
			shoot: shoot("s", "eu-west-1", func(s *gardencorev1beta1.Shoot) {
				s.DeletionTimestamp = &metav1.Time{Time: now}
				s.Finalizers = []string{"gardener"}
			}),
		},
		{
			name: "shoot for another scheduler is left alone",
			objs: []client.Object{cloudProfile("aws", nil), seed("eu", "eu-west-1", true, nil)},
			shoot: shoot("s", "eu-west-1", func(s *gardencorev1beta1.Shoot) {
				s.Spec.SchedulerName = ptr.To("custom-scheduler")
			}),
		},
		{
			name: "shoot naming the default scheduler is scheduled",
			objs: []client.Object{cloudProfile("aws", nil), seed("eu", "eu-west-1", true, nil)},
			shoot: shoot("s", "eu-west-1", func(s *gardencorev1beta1.Shoot) {
				s.Spec.SchedulerName = ptr.To(v1beta1constants.DefaultSchedulerName)
			}),
			wantSeed:  "eu",
			wantEvent: `Normal SchedulingSuccessful Scheduled to seed "eu"`,
		},
		{
			name: "cloud profile's seed selector applies",
			objs: []client.Object{
				cloudProfile("aws", &gardencorev1beta1.SeedSelector{LabelSelector: metav1.LabelSelector{MatchLabels: prod}}),
				seed("a", "eu-west-1", true, nil), seed("b", "eu-west-1", true, prod),
			},
			shoot:     shoot("s", "eu-west-1", nil),
			wantSeed:  "b",
			wantEvent: `Normal SchedulingSuccessful Scheduled to seed "b"`,
		},
		{
			name: "deprecated spec.cloudProfileName resolves the cloud profile",
			objs: []client.Object{
				cloudProfile("legacy", &gardencorev1beta1.SeedSelector{LabelSelector: metav1.LabelSelector{MatchLabels: prod}}),
				seed("a", "eu-west-1", true, nil), seed("b", "eu-west-1", true, prod),
			},
			shoot: shoot("s", "eu-west-1", func(s *gardencorev1beta1.Shoot) {
				s.Spec.CloudProfile = nil
				s.Spec.CloudProfileName = ptr.To("legacy")
			}),
			wantSeed:  "b",
			wantEvent: `Normal SchedulingSuccessful Scheduled to seed "b"`,
		},
		{
			name: "NamespacedCloudProfile's computed spec applies",
			objs: []client.Object{
				cloudProfile("aws", nil),
				&gardencorev1beta1.NamespacedCloudProfile{
					ObjectMeta: metav1.ObjectMeta{Name: "custom", Namespace: namespace},
					Spec:       gardencorev1beta1.NamespacedCloudProfileSpec{Parent: gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: "aws"}},
					Status: gardencorev1beta1.NamespacedCloudProfileStatus{CloudProfileSpec: gardencorev1beta1.CloudProfileSpec{
						Type: "aws", SeedSelector: &gardencorev1beta1.SeedSelector{LabelSelector: metav1.LabelSelector{MatchLabels: prod}},
					}},
				},
				seed("a", "eu-west-1", true, nil), seed("b", "eu-west-1", true, prod),
			},
			shoot: shoot("s", "eu-west-1", func(s *gardencorev1beta1.Shoot) {
				s.Spec.CloudProfile = &gardencorev1beta1.CloudProfileReference{Kind: "NamespacedCloudProfile", Name: "custom"}
			}),
			wantSeed:  "b",
			wantEvent: `Normal SchedulingSuccessful Scheduled to seed "b"`,
		},
		{
			name: "NamespacedCloudProfile not computed yet uses its parent's spec",
			objs: []client.Object{
				cloudProfile("aws", &gardencorev1beta1.SeedSelector{LabelSelector: metav1.LabelSelector{MatchLabels: prod}}),
				&gardencorev1beta1.NamespacedCloudProfile{
					ObjectMeta: metav1.ObjectMeta{Name: "custom", Namespace: namespace},
					Spec:       gardencorev1beta1.NamespacedCloudProfileSpec{Parent: gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: "aws"}},
				},
				seed("a", "eu-west-1", true, nil), seed("b", "eu-west-1", true, prod),
			},
			shoot: shoot("s", "eu-west-1", func(s *gardencorev1beta1.Shoot) {
				s.Spec.CloudProfile = &gardencorev1beta1.CloudProfileReference{Kind: "NamespacedCloudProfile", Name: "custom"}
			}),
			wantSeed:  "b",
			wantEvent: `Normal SchedulingSuccessful Scheduled to seed "b"`,
		},
		{
			name: "MinimalDistance uses the region ConfigMap listing the cloud profile",
			objs: []client.Object{
				cloudProfile("aws", nil), seed("eu", "eu-west-1", true, nil), seed("us", "us-east-1", true, nil),
				&corev1.ConfigMap{
					ObjectMeta: metav1.ObjectMeta{
						Name: "regions", Namespace: v1beta1constants.GardenNamespace,
						Labels:      map[string]string{v1beta1constants.SchedulingPurpose: v1beta1constants.SchedulingPurposeRegionConfig},
						Annotations: map[string]string{v1beta1constants.AnnotationSchedulingCloudProfiles: "gcp, aws"},
					},
					Data: map[string]string{"eu-central-1": "us-east-1: 10\neu-west-1: 50\n"},
				},
			},
			config:    &schedulerconfigv1alpha1.ShootSchedulerConfiguration{Strategy: schedulerconfigv1alpha1.MinimalDistance},
			shoot:     shoot("s", "eu-central-1", nil),
			wantSeed:  "us",
			wantEvent: `Normal SchedulingSuccessful Scheduled to seed "us"`,
		},
		{
			name:      "MinimalDistance without region ConfigMap compares region names",
			objs:      []client.Object{cloudProfile("aws", nil), seed("eu", "eu-west-1", true, nil), seed("us", "us-east-1", true, nil)},
			config:    &schedulerconfigv1alpha1.ShootSchedulerConfiguration{Strategy: schedulerconfigv1alpha1.MinimalDistance},
			shoot:     shoot("s", "eu-central-1", nil),
			wantSeed:  "eu",
			wantEvent: `Normal SchedulingSuccessful Scheduled to seed "eu"`,
		},
		{
			name: "shoot without cloud profile fails for good",
			objs: []client.Object{seed("eu", "eu-west-1", true, nil)},
			shoot: shoot("s", "eu-west-1", func(s *gardencorev1beta1.Shoot) {
				s.Spec.CloudProfile = nil
			}),
			wantEvent: "Warning SchedulingFailed Failed to schedule shoot: shoot references no cloud profile",
			wantErr:   "terminal",
		},
		{
			name: "invalid shoot spec fails for good",
			objs: []client.Object{cloudProfile("aws", nil), seed("eu", "eu-west-1", true, nil)},
			shoot: shoot("s", "eu-west-1", func(s *gardencorev1beta1.Shoot) {
				s.Spec.Networking = &gardencorev1beta1.Networking{Pods: ptr.To("not-a-cidr")}
			}),
			wantEvent: "Warning SchedulingFailed Failed to schedule shoot: invalid shoot spec: spec.networking.pods",
			wantErr:   "terminal",
		},
		{
			name:      "missing cloud profile is retried",
			objs:      []client.Object{seed("eu", "eu-west-1", true, nil)},
			shoot:     shoot("s", "eu-west-1", nil),
			wantEvent: "Warning SchedulingFailed Failed to schedule shoot: getting CloudProfile aws",
			wantErr:   "retry",
		},
		{
			name:    "conflicting bind is requeued without an error or event",
			objs:    []client.Object{cloudProfile("aws", nil), seed("eu", "eu-west-1", true, nil)},
			shoot:   shoot("s", "eu-west-1", nil),
			bindErr: apierrors.NewConflict(schema.GroupResource{Group: "core.gardener.cloud", Resource: "shoots"}, "s", errors.New("modified")),
			wantErr: "requeue",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			c := newGarden(t, append(tt.objs, tt.shoot)...)
			recorder := events.NewFakeRecorder(10)
			r := &controller.ShootScheduler{
				Client:   c,
				Binder:   controller.SubResourceBinder{Client: c},
				Recorder: recorder,
				Config:   tt.config,
				Clock:    testclock.NewFakePassiveClock(now),
			}
			if tt.bindErr != nil {
				r.Binder = binderFunc(func(context.Context, *gardencorev1beta1.Shoot, string) error { return tt.bindErr })
			}

			res, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(tt.shoot)})
			switch isTerminal := errors.Is(err, reconcile.TerminalError(nil)); {
			case tt.wantErr == "requeue" && (err != nil || res.RequeueAfter <= 0):
				t.Fatalf("Reconcile() = %+v, %v, want a requeue without an error", res, err)
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Reconcile() error = %v", err)
			case tt.wantErr == "retry" && (err == nil || isTerminal):
				t.Fatalf("Reconcile() error = %v, want one to retry", err)
			case tt.wantErr == "terminal" && !isTerminal:
				t.Fatalf("Reconcile() error = %v, want a terminal one", err)
			}

			got := &gardencorev1beta1.Shoot{}
			if err := c.Get(ctx, client.ObjectKeyFromObject(tt.shoot), got); err != nil {
				t.Fatal(err)
			}
			if seedName := ptr.Deref(got.Spec.SeedName, ""); seedName != tt.wantSeed {
				t.Errorf("spec.seedName = %q, want %q", seedName, tt.wantSeed)
			}

			evs := drain(recorder)
			switch {
			case tt.wantEvent == "" && len(evs) > 0:
				t.Errorf("events = %q, want none", evs)
			case tt.wantEvent != "" && (len(evs) != 1 || !strings.HasPrefix(evs[0], tt.wantEvent)):
				t.Errorf("events = %q, want one starting with %q", evs, tt.wantEvent)
			}

			if strings.HasPrefix(tt.wantEvent, "Warning") {
				op := got.Status.LastOperation
				if op == nil || op.State != gardencorev1beta1.LastOperationStatePending || op.Type != gardencorev1beta1.LastOperationTypeCreate ||
					!strings.HasPrefix("Warning SchedulingFailed "+op.Description, tt.wantEvent) || !op.LastUpdateTime.Time.Equal(now) {
					t.Errorf("status.lastOperation = %+v, want a pending Create at %v described like the event", op, now)
				}
			}
		})
	}
}

type binderFunc func(context.Context, *gardencorev1beta1.Shoot, string) error

func (f binderFunc) Bind(ctx context.Context, shoot *gardencorev1beta1.Shoot, seedName string) error {
	return f(ctx, shoot, seedName)
}

func TestReconcileNoSeedErrorAndRepeatedFailure(t *testing.T) {
	ctx := t.Context()
	s := shoot("s", "us-east-1", nil)
	c := newGarden(t, cloudProfile("aws", nil), seed("us", "us-east-1", false, nil), s)
	recorder := events.NewFakeRecorder(10)
	clk := testclock.NewFakePassiveClock(now)
	r := &controller.ShootScheduler{Client: c, Binder: controller.SubResourceBinder{Client: c}, Recorder: recorder, Clock: clk}
	req := reconcile.Request{NamespacedName: client.ObjectKeyFromObject(s)}

	_, err := r.Reconcile(ctx, req)
	var noSeed *decision.NoSeedError
	if !errors.As(err, &noSeed) || len(noSeed.Rejections) != 1 || noSeed.Rejections[0].Seed != "us" {
		t.Fatalf("Reconcile() error = %v, want a NoSeedError rejecting seed us", err)
	}

	// A second failure for the same reason leaves the status, and its timestamp, alone.
	clk.SetTime(now.Add(time.Minute))
	if _, err := r.Reconcile(ctx, req); err == nil {
		t.Fatal("second Reconcile() succeeded")
	}
	got := &gardencorev1beta1.Shoot{}
	if err := c.Get(ctx, req.NamespacedName, got); err != nil {
		t.Fatal(err)
	}
	if !got.Status.LastOperation.LastUpdateTime.Time.Equal(now) {
		t.Errorf("status.lastOperation.lastUpdateTime = %v, want %v", got.Status.LastOperation.LastUpdateTime, now)
	}
	if evs := drain(recorder); len(evs) != 2 {
		t.Errorf("events = %q, want one warning per attempt", evs)
	}

	// Once the seed is ready, the shoot is scheduled.
	ready := &gardencorev1beta1.Seed{}
	if err := c.Get(ctx, client.ObjectKey{Name: "us"}, ready); err != nil {
		t.Fatal(err)
	}
	ready.Status.Conditions[0].Status = gardencorev1beta1.ConditionTrue
	if err := c.Update(ctx, ready); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Reconcile(ctx, req); err != nil {
		t.Fatalf("Reconcile() after the seed got ready: %v", err)
	}
	if err := c.Get(ctx, req.NamespacedName, got); err != nil {
		t.Fatal(err)
	}
	if ptr.Deref(got.Spec.SeedName, "") != "us" {
		t.Errorf("spec.seedName = %v, want us", got.Spec.SeedName)
	}
}

func TestReconcileGoneShoot(t *testing.T) {
	c := newGarden(t)
	r := &controller.ShootScheduler{Client: c, Binder: controller.SubResourceBinder{Client: c}, Recorder: events.NewFakeRecorder(1), Clock: testclock.NewFakePassiveClock(now)}
	if _, err := r.Reconcile(t.Context(), reconcile.Request{NamespacedName: types.NamespacedName{Namespace: namespace, Name: "gone"}}); err != nil {
		t.Fatalf("Reconcile() error = %v", err)
	}
}

func TestWarningEventFitsTheAPILimit(t *testing.T) {
	objs := []client.Object{cloudProfile("aws", nil)}
	for i := range 100 {
		objs = append(objs, seed(fmt.Sprintf("seed-%03d", i), "eu-west-1", false, nil))
	}
	s := shoot("s", "eu-west-1", nil)
	c := newGarden(t, append(objs, s)...)
	recorder := events.NewFakeRecorder(1)
	r := &controller.ShootScheduler{Client: c, Binder: controller.SubResourceBinder{Client: c}, Recorder: recorder, Clock: testclock.NewFakePassiveClock(now)}
	if _, err := r.Reconcile(t.Context(), reconcile.Request{NamespacedName: client.ObjectKeyFromObject(s)}); err == nil {
		t.Fatal("Reconcile() succeeded without a ready seed")
	}
	evs := drain(recorder)
	if len(evs) != 1 {
		t.Fatalf("events = %q, want one", evs)
	}
	note := strings.TrimPrefix(evs[0], "Warning SchedulingFailed ")
	if len(note) > 1024 || !strings.HasSuffix(note, "…") || !strings.Contains(note, "0/100 seeds are available: seed-000: not ready") {
		t.Errorf("event note of %d bytes = %q, want a truncated list within 1024 bytes", len(note), note)
	}
}

func TestShootNeedsSchedulingPredicate(t *testing.T) {
	p := controller.ShootNeedsSchedulingPredicate()
	unscheduled := shoot("s", "eu-west-1", nil)
	scheduled := shoot("s", "eu-west-1", scheduledOn("eu"))
	statusChanged := unscheduled.DeepCopy()
	statusChanged.Status.LastOperation = &gardencorev1beta1.LastOperation{Description: "pending"}
	specChanged := unscheduled.DeepCopy()
	specChanged.Spec.Tolerations = []gardencorev1beta1.Toleration{{Key: "x"}}
	selfHosted := shoot("s", "eu-west-1", func(s *gardencorev1beta1.Shoot) {
		s.Spec.Provider.Workers = []gardencorev1beta1.Worker{{Name: "cp", ControlPlane: &gardencorev1beta1.WorkerControlPlane{}}}
	})

	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"create unscheduled", p.Create(event.CreateEvent{Object: unscheduled}), true},
		{"create scheduled", p.Create(event.CreateEvent{Object: scheduled}), false},
		{"create self-hosted", p.Create(event.CreateEvent{Object: selfHosted}), false},
		{"update of the status only", p.Update(event.UpdateEvent{ObjectOld: unscheduled, ObjectNew: statusChanged}), false},
		{"update of the spec", p.Update(event.UpdateEvent{ObjectOld: unscheduled, ObjectNew: specChanged}), true},
		{"update that schedules", p.Update(event.UpdateEvent{ObjectOld: unscheduled, ObjectNew: scheduled}), false},
		{"delete", p.Delete(event.DeleteEvent{Object: unscheduled}), false},
		{"generic unscheduled", p.Generic(event.GenericEvent{Object: unscheduled}), true},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: predicate = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}
