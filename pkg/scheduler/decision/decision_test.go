package decision_test

import (
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	schedulerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/scheduler/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"

	"github.com/hortus-dev/hortus/pkg/scheduler/decision"
)

// Seeds of the test garden. Each test gets fresh copies.
const (
	euWest1 = "aws-eu1" // aws eu-west-1, 3 zones, env=prod, room for 2 shoots
	euWest2 = "aws-eu2" // aws eu-west-2, 1 zone, env=dev, taint dedicated=team-a
	usEast1 = "aws-us1" // aws us-east-1, 3 zones, gardenlet not ready
	gcpEU   = "gcp-eu1" // gcp europe-west1, 3 zones
)

func testSeeds() []gardencorev1beta1.Seed {
	return []gardencorev1beta1.Seed{
		newSeed(euWest1, "aws", "eu-west-1", "10.1", func(s *gardencorev1beta1.Seed) {
			s.Labels = map[string]string{"env": "prod"}
			s.Status.Allocatable = corev1.ResourceList{gardencorev1beta1.ResourceShoots: resource.MustParse("2")}
			s.Spec.Networks.BlockCIDRs = []string{"169.254.169.254/32"}
		}),
		newSeed(euWest2, "aws", "eu-west-2", "10.2", func(s *gardencorev1beta1.Seed) {
			s.Labels = map[string]string{"env": "dev"}
			s.Spec.Provider.Zones = []string{"eu-west-2a"}
			s.Spec.Taints = []gardencorev1beta1.SeedTaint{{Key: "dedicated", Value: ptr.To("team-a")}}
		}),
		newSeed(usEast1, "aws", "us-east-1", "10.3", func(s *gardencorev1beta1.Seed) {
			s.Status.Conditions[0].Status = gardencorev1beta1.ConditionUnknown
		}),
		newSeed(gcpEU, "gcp", "europe-west1", "10.4", nil),
	}
}

// newSeed returns a ready, visible seed with three zones whose nodes, pods and services
// networks are net.0.0/18, net.64.0/18 and net.128.0/18.
func newSeed(name, provider, region, net string, mutate func(*gardencorev1beta1.Seed)) gardencorev1beta1.Seed {
	s := gardencorev1beta1.Seed{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: gardencorev1beta1.SeedSpec{
			Provider: gardencorev1beta1.SeedProvider{
				Type: provider, Region: region,
				Zones: []string{region + "a", region + "b", region + "c"},
			},
			Networks: gardencorev1beta1.SeedNetworks{
				Nodes:    ptr.To(net + ".0.0/18"),
				Pods:     net + ".64.0/18",
				Services: net + ".128.0/18",
			},
			Settings: &gardencorev1beta1.SeedSettings{Scheduling: &gardencorev1beta1.SeedSettingScheduling{Visible: true}},
		},
		Status: gardencorev1beta1.SeedStatus{
			Conditions: []gardencorev1beta1.Condition{{Type: gardencorev1beta1.GardenletReady, Status: gardencorev1beta1.ConditionTrue}},
		},
	}
	if mutate != nil {
		mutate(&s)
	}
	return s
}

// newShoot returns an aws shoot in region with networks disjoint from every test seed.
func newShoot(region string, mutate func(*gardencorev1beta1.Shoot)) *gardencorev1beta1.Shoot {
	s := &gardencorev1beta1.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: "shoot", Namespace: "garden-dev"},
		Spec: gardencorev1beta1.ShootSpec{
			Region:   region,
			Provider: gardencorev1beta1.Provider{Type: "aws"},
			Networking: &gardencorev1beta1.Networking{
				Nodes:    ptr.To("10.250.0.0/16"),
				Pods:     ptr.To("100.96.0.0/11"),
				Services: ptr.To("100.64.0.0/13"),
			},
		},
	}
	if mutate != nil {
		mutate(s)
	}
	return s
}

var (
	tolerateTeamA = func(s *gardencorev1beta1.Shoot) {
		s.Spec.Tolerations = []gardencorev1beta1.Toleration{{Key: "dedicated", Value: ptr.To("team-a")}}
	}
	minimalDistance = decision.Inputs{Strategy: schedulerconfigv1alpha1.MinimalDistance}
)

func seedMutation(name string, mutate func(*gardencorev1beta1.Seed)) func([]gardencorev1beta1.Seed) {
	return func(seeds []gardencorev1beta1.Seed) {
		for i := range seeds {
			if seeds[i].Name == name {
				mutate(&seeds[i])
			}
		}
	}
}

func withInputs(in decision.Inputs, mutate func(*decision.Inputs)) decision.Inputs {
	mutate(&in)
	return in
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name  string
		shoot *gardencorev1beta1.Shoot
		seeds func([]gardencorev1beta1.Seed) // changes the test seeds, if set
		in    decision.Inputs
		// want is the chosen seed; if empty, Decide must fail with a NoSeedError whose
		// reasons contain wantReasons.
		want        string
		wantReasons map[string]string
	}{
		// Ready, visible, not deleting.
		{
			name:  "ready seed in the shoot's region",
			shoot: newShoot("eu-west-1", nil),
			want:  euWest1,
		},
		{
			name:        "seed whose gardenlet is not ready is rejected",
			shoot:       newShoot("us-east-1", nil),
			wantReasons: map[string]string{usEast1: "not ready (GardenletReady is Unknown)"},
		},
		{
			name:  "seed without GardenletReady condition is rejected",
			shoot: newShoot("eu-west-1", nil),
			seeds: seedMutation(euWest1, func(s *gardencorev1beta1.Seed) {
				s.Status.Conditions = nil
			}),
			wantReasons: map[string]string{euWest1: "not ready (no GardenletReady condition)"},
		},
		{
			name:  "seed being deleted is rejected",
			shoot: newShoot("eu-west-1", nil),
			seeds: seedMutation(euWest1, func(s *gardencorev1beta1.Seed) {
				s.DeletionTimestamp = &metav1.Time{}
			}),
			wantReasons: map[string]string{euWest1: "being deleted"},
		},
		{
			name:  "invisible seed is rejected",
			shoot: newShoot("eu-west-1", nil),
			seeds: seedMutation(euWest1, func(s *gardencorev1beta1.Seed) {
				s.Spec.Settings.Scheduling.Visible = false
			}),
			wantReasons: map[string]string{euWest1: "invisible to the scheduler"},
		},
		{
			name:  "seed without settings is visible",
			shoot: newShoot("eu-west-1", nil),
			seeds: seedMutation(euWest1, func(s *gardencorev1beta1.Seed) {
				s.Spec.Settings = nil
			}),
			want: euWest1,
		},

		// Strategies.
		{
			name:  "SameRegion prefers the seed in the shoot's region over a less loaded one",
			shoot: newShoot("eu-west-2", tolerateTeamA),
			in:    decision.Inputs{ShootsPerSeed: map[string]int{euWest1: 0, euWest2: 5}},
			want:  euWest2,
		},
		{
			name:  "SameRegion finds no seed outside the shoot's region",
			shoot: newShoot("eu-central-1", nil),
			wantReasons: map[string]string{
				euWest1: "region eu-west-1 is not the shoot's region eu-central-1 (strategy SameRegion)",
				gcpEU:   "provider type gcp is not the shoot's aws",
			},
		},
		{
			name:  "SameRegion uses only seeds of the shoot's provider type",
			shoot: newShoot("europe-west1", nil),
			in:    decision.Inputs{CloudProfileSeedSelector: &gardencorev1beta1.SeedSelector{ProviderTypes: []string{"*"}}},
			wantReasons: map[string]string{
				gcpEU: "provider type gcp is not the shoot's aws (strategy SameRegion)",
			},
		},
		{
			name:  "MinimalDistance picks the region with the longest common prefix",
			shoot: newShoot("eu-central-1", nil),
			in:    minimalDistance,
			want:  euWest1,
		},
		{
			name:  "MinimalDistance prefers configured distances to name similarity",
			shoot: newShoot("eu-central-1", nil),
			seeds: seedMutation(usEast1, func(s *gardencorev1beta1.Seed) {
				s.Status.Conditions[0].Status = gardencorev1beta1.ConditionTrue
			}),
			in: withInputs(minimalDistance, func(in *decision.Inputs) {
				in.RegionDistances = decision.RegionDistances{"eu-central-1": {"us-east-1": 1, "eu-west-1": 5}}
			}),
			want: usEast1,
		},
		{
			name:  "MinimalDistance counts the shoot's own region as distance 0 unless configured",
			shoot: newShoot("eu-west-1", tolerateTeamA),
			in: withInputs(minimalDistance, func(in *decision.Inputs) {
				in.RegionDistances = decision.RegionDistances{"eu-west-1": {"eu-west-2": 1}}
				in.ShootsPerSeed = map[string]int{euWest1: 1}
			}),
			want: euWest1,
		},
		{
			name:  "MinimalDistance prefers the shoot's provider type in an equally named region",
			shoot: newShoot("eu-west-1", nil),
			seeds: seedMutation(gcpEU, func(s *gardencorev1beta1.Seed) {
				s.Spec.Provider.Region = "eu-west-1"
			}),
			in: withInputs(minimalDistance, func(in *decision.Inputs) {
				in.CloudProfileSeedSelector = &gardencorev1beta1.SeedSelector{ProviderTypes: []string{"*"}}
				in.ShootsPerSeed = map[string]int{euWest1: 1}
			}),
			want: euWest1,
		},
		{
			name:  "testing shoot falls back to any region",
			shoot: newShoot("ap-south-1", func(s *gardencorev1beta1.Shoot) { s.Spec.Purpose = ptr.To(gardencorev1beta1.ShootPurposeTesting) }),
			want:  euWest1,
		},
		{
			name: "testing shoot still prefers its own region",
			shoot: newShoot("eu-west-2", func(s *gardencorev1beta1.Shoot) {
				s.Spec.Purpose = ptr.To(gardencorev1beta1.ShootPurposeTesting)
				tolerateTeamA(s)
			}),
			in:   decision.Inputs{ShootsPerSeed: map[string]int{euWest2: 1}},
			want: euWest2,
		},
		{
			name:  "testing shoot falling back prefers its provider type to fewer shoots",
			shoot: newShoot("ap-south-1", func(s *gardencorev1beta1.Shoot) { s.Spec.Purpose = ptr.To(gardencorev1beta1.ShootPurposeTesting) }),
			in: decision.Inputs{
				CloudProfileSeedSelector: &gardencorev1beta1.SeedSelector{ProviderTypes: []string{"*"}},
				ShootsPerSeed:            map[string]int{euWest1: 1},
			},
			want: euWest1,
		},

		// Seed selectors and provider types.
		{
			name: "shoot's seed selector excludes seeds by label",
			shoot: newShoot("eu-west-2", func(s *gardencorev1beta1.Shoot) {
				tolerateTeamA(s)
				s.Spec.SeedSelector = &gardencorev1beta1.SeedSelector{LabelSelector: metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}}
			}),
			in:   minimalDistance,
			want: euWest1,
		},
		{
			name:  "cloud profile's seed selector excludes seeds by label",
			shoot: newShoot("eu-west-1", tolerateTeamA),
			in: withInputs(minimalDistance, func(in *decision.Inputs) {
				in.CloudProfileSeedSelector = &gardencorev1beta1.SeedSelector{LabelSelector: metav1.LabelSelector{MatchLabels: map[string]string{"env": "dev"}}}
			}),
			want: euWest2,
		},
		{
			name: "seed selector rejection names the selector",
			shoot: newShoot("eu-west-1", func(s *gardencorev1beta1.Shoot) {
				s.Spec.SeedSelector = &gardencorev1beta1.SeedSelector{LabelSelector: metav1.LabelSelector{MatchLabels: map[string]string{"env": "staging"}}}
			}),
			wantReasons: map[string]string{euWest1: "labels do not match the shoot's seed selector (env=staging)"},
		},
		{
			name:  "only seeds of the shoot's provider type by default",
			shoot: newShoot("europe-west1", nil),
			in:    minimalDistance,
			want:  euWest1,
		},
		{
			name:  "cloud profile's providerTypes allow another provider",
			shoot: newShoot("europe-west1", nil),
			in: withInputs(minimalDistance, func(in *decision.Inputs) {
				in.CloudProfileSeedSelector = &gardencorev1beta1.SeedSelector{ProviderTypes: []string{"aws", "gcp"}}
			}),
			want: gcpEU,
		},
		{
			name:  "cloud profile's providerTypes replace the shoot's provider type",
			shoot: newShoot("eu-west-1", nil),
			in: withInputs(minimalDistance, func(in *decision.Inputs) {
				in.CloudProfileSeedSelector = &gardencorev1beta1.SeedSelector{ProviderTypes: []string{"gcp"}}
			}),
			want: gcpEU,
		},
		{
			name: "shoot's providerTypes narrow the cloud profile's",
			shoot: newShoot("eu-west-1", func(s *gardencorev1beta1.Shoot) {
				s.Spec.SeedSelector = &gardencorev1beta1.SeedSelector{ProviderTypes: []string{"gcp"}}
			}),
			in: withInputs(minimalDistance, func(in *decision.Inputs) {
				in.CloudProfileSeedSelector = &gardencorev1beta1.SeedSelector{ProviderTypes: []string{"*"}}
			}),
			want: gcpEU,
		},

		// Taints.
		{
			name:        "untolerated taint rejects the seed",
			shoot:       newShoot("eu-west-2", nil),
			wantReasons: map[string]string{euWest2: "taint dedicated=team-a not tolerated"},
		},
		{
			name: "toleration with another value does not tolerate the taint",
			shoot: newShoot("eu-west-2", func(s *gardencorev1beta1.Shoot) {
				s.Spec.Tolerations = []gardencorev1beta1.Toleration{{Key: "dedicated", Value: ptr.To("team-b")}}
			}),
			wantReasons: map[string]string{euWest2: "taint dedicated=team-a not tolerated"},
		},
		{
			name: "toleration without value does not tolerate a taint with one",
			shoot: newShoot("eu-west-2", func(s *gardencorev1beta1.Shoot) {
				s.Spec.Tolerations = []gardencorev1beta1.Toleration{{Key: "dedicated"}}
			}),
			wantReasons: map[string]string{euWest2: "taint dedicated=team-a not tolerated"},
		},
		{
			name: "toleration with a value tolerates a taint without one",
			shoot: newShoot("eu-west-2", func(s *gardencorev1beta1.Shoot) {
				s.Spec.Tolerations = []gardencorev1beta1.Toleration{{Key: "dedicated", Value: ptr.To("anything")}}
			}),
			seeds: seedMutation(euWest2, func(s *gardencorev1beta1.Seed) {
				s.Spec.Taints = []gardencorev1beta1.SeedTaint{{Key: "dedicated"}}
			}),
			want: euWest2,
		},

		// Networks.
		{
			name: "shoot pods overlapping seed nodes reject the seed",
			shoot: newShoot("eu-west-1", func(s *gardencorev1beta1.Shoot) {
				s.Spec.Networking.Pods = ptr.To("10.1.0.0/16")
			}),
			wantReasons: map[string]string{euWest1: "shoot pods 10.1.0.0/16 overlaps seed nodes 10.1.0.0/18, shoot pods 10.1.0.0/16 overlaps seed pods 10.1.64.0/18, shoot pods 10.1.0.0/16 overlaps seed services 10.1.128.0/18"},
		},
		{
			name: "shoot services overlapping seed services reject the seed",
			shoot: newShoot("eu-west-1", func(s *gardencorev1beta1.Shoot) {
				s.Spec.Networking.Services = ptr.To("10.1.130.0/24")
			}),
			wantReasons: map[string]string{euWest1: "networks overlap: shoot services 10.1.130.0/24 overlaps seed services 10.1.128.0/18"},
		},
		{
			name: "shoot nodes overlapping a blocked CIDR reject the seed",
			shoot: newShoot("eu-west-1", func(s *gardencorev1beta1.Shoot) {
				s.Spec.Networking.Nodes = ptr.To("169.254.0.0/16")
			}),
			wantReasons: map[string]string{euWest1: "shoot nodes 169.254.0.0/16 overlaps seed blocked CIDR 169.254.169.254/32"},
		},
		{
			name: "shoot without networks fits any seed",
			shoot: newShoot("eu-west-1", func(s *gardencorev1beta1.Shoot) {
				s.Spec.Networking = nil
			}),
			want: euWest1,
		},

		// Zones.
		{
			name: "zonal control plane needs a seed with three zones",
			shoot: newShoot("eu-west-2", func(s *gardencorev1beta1.Shoot) {
				tolerateTeamA(s)
				s.Spec.ControlPlane = &gardencorev1beta1.ControlPlane{HighAvailability: &gardencorev1beta1.HighAvailability{
					FailureTolerance: gardencorev1beta1.FailureTolerance{Type: gardencorev1beta1.FailureToleranceTypeZone},
				}}
			}),
			in:   minimalDistance,
			want: euWest1,
		},
		{
			name: "node failure tolerance fits a single-zone seed",
			shoot: newShoot("eu-west-2", func(s *gardencorev1beta1.Shoot) {
				tolerateTeamA(s)
				s.Spec.ControlPlane = &gardencorev1beta1.ControlPlane{HighAvailability: &gardencorev1beta1.HighAvailability{
					FailureTolerance: gardencorev1beta1.FailureTolerance{Type: gardencorev1beta1.FailureToleranceTypeNode},
				}}
			}),
			in:   minimalDistance,
			want: euWest2,
		},

		// Capacity.
		{
			name:        "full seed is rejected",
			shoot:       newShoot("eu-west-1", nil),
			in:          decision.Inputs{ShootsPerSeed: map[string]int{euWest1: 2}},
			wantReasons: map[string]string{euWest1: "full (2 of 2 allocatable shoots scheduled)"},
		},
		{
			name:  "seed with room left is used",
			shoot: newShoot("eu-west-1", nil),
			in:    decision.Inputs{ShootsPerSeed: map[string]int{euWest1: 1}},
			want:  euWest1,
		},

		// Tie-breaks among equally near seeds.
		{
			name:  "fewest shoots wins among equally near seeds",
			shoot: newShoot("eu-west-3", tolerateTeamA),
			in: withInputs(minimalDistance, func(in *decision.Inputs) {
				in.ShootsPerSeed = map[string]int{euWest1: 1, euWest2: 0}
			}),
			want: euWest2,
		},
		{
			name:  "name breaks ties among equally near and loaded seeds",
			shoot: newShoot("eu-west-3", tolerateTeamA),
			in:    minimalDistance,
			want:  euWest1,
		},

		// No seed at all.
		{
			name:  "unschedulable shoot names every seed's reason",
			shoot: newShoot("eu-west-2", nil),
			wantReasons: map[string]string{
				euWest1: "region eu-west-1 is not the shoot's region eu-west-2 (strategy SameRegion)",
				euWest2: "taint dedicated=team-a not tolerated",
				usEast1: "not ready (GardenletReady is Unknown)",
				gcpEU:   "provider type gcp is not the shoot's aws",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seeds := testSeeds()
			if tt.seeds != nil {
				tt.seeds(seeds)
			}
			got, err := decision.Decide(tt.shoot, seeds, tt.in)
			if tt.want != "" {
				if err != nil {
					t.Fatalf("Decide() error = %v, want seed %s", err, tt.want)
				}
				if got.SeedName != tt.want {
					t.Fatalf("Decide() chose %s, want %s; rejected: %v", got.SeedName, tt.want, got.Rejected)
				}
				return
			}

			var noSeed *decision.NoSeedError
			if !errors.As(err, &noSeed) {
				t.Fatalf("Decide() = %+v, %v; want a NoSeedError", got, err)
			}
			if noSeed.Seeds != len(seeds) || len(noSeed.Rejections) != len(seeds) {
				t.Errorf("NoSeedError has %d seeds and %d rejections, want %d of each", noSeed.Seeds, len(noSeed.Rejections), len(seeds))
			}
			reasons := map[string]string{}
			for _, r := range noSeed.Rejections {
				reasons[r.Seed] = r.Reason
			}
			for seed, want := range tt.wantReasons {
				if !strings.Contains(reasons[seed], want) {
					t.Errorf("reason for %s = %q, want it to contain %q", seed, reasons[seed], want)
				}
			}
		})
	}
}

func TestNoSeedErrorMessage(t *testing.T) {
	_, err := decision.Decide(newShoot("eu-west-2", nil), testSeeds(), decision.Inputs{})
	want := "0/4 seeds are available: " +
		"aws-eu1: region eu-west-1 is not the shoot's region eu-west-2 (strategy SameRegion); " +
		"aws-eu2: taint dedicated=team-a not tolerated; " +
		"aws-us1: not ready (GardenletReady is Unknown); " +
		"gcp-eu1: provider type gcp is not the shoot's aws"
	if err == nil || err.Error() != want {
		t.Fatalf("Decide() error = %v\nwant %s", err, want)
	}

	_, err = decision.Decide(newShoot("eu-west-2", nil), nil, decision.Inputs{})
	if want := "0/0 seeds are available: no seeds are registered"; err == nil || err.Error() != want {
		t.Fatalf("Decide() without seeds error = %v, want %s", err, want)
	}
}

func TestDecideRejectedOnSuccess(t *testing.T) {
	got, err := decision.Decide(newShoot("eu-west-1", nil), testSeeds(), decision.Inputs{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		euWest2: "taint dedicated=team-a not tolerated",
		usEast1: "not ready (GardenletReady is Unknown)",
		gcpEU:   "provider type gcp is not the shoot's aws",
	}
	if len(got.Rejected) != len(want) {
		t.Fatalf("Rejected = %v, want %v", got.Rejected, want)
	}
	for seed, reason := range want {
		if got.Rejected[seed] != reason {
			t.Errorf("Rejected[%s] = %q, want %q", seed, got.Rejected[seed], reason)
		}
	}
}

func TestDecideInvalidInput(t *testing.T) {
	tests := []struct {
		name        string
		shoot       *gardencorev1beta1.Shoot
		in          decision.Inputs
		wantInvalid bool // the error wraps ErrInvalidShoot
	}{
		{
			name: "unparsable shoot CIDR",
			shoot: newShoot("eu-west-1", func(s *gardencorev1beta1.Shoot) {
				s.Spec.Networking.Pods = ptr.To("10.0.0.0/99")
			}),
			wantInvalid: true,
		},
		{
			name: "invalid shoot seed selector",
			shoot: newShoot("eu-west-1", func(s *gardencorev1beta1.Shoot) {
				s.Spec.SeedSelector = &gardencorev1beta1.SeedSelector{LabelSelector: metav1.LabelSelector{
					MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: "Near"}},
				}}
			}),
			wantInvalid: true,
		},
		{
			name:  "invalid cloud profile seed selector",
			shoot: newShoot("eu-west-1", nil),
			in: decision.Inputs{CloudProfileSeedSelector: &gardencorev1beta1.SeedSelector{LabelSelector: metav1.LabelSelector{
				MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: "Near"}},
			}}},
		},
		{
			name:  "unknown strategy",
			shoot: newShoot("eu-west-1", nil),
			in:    decision.Inputs{Strategy: "Random"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decision.Decide(tt.shoot, testSeeds(), tt.in)
			if err == nil {
				t.Fatal("Decide() succeeded, want an error")
			}
			var noSeed *decision.NoSeedError
			if errors.As(err, &noSeed) {
				t.Fatalf("Decide() error = %v, want no NoSeedError", err)
			}
			if got := errors.Is(err, decision.ErrInvalidShoot); got != tt.wantInvalid {
				t.Fatalf("errors.Is(%v, ErrInvalidShoot) = %v, want %v", err, got, tt.wantInvalid)
			}
		})
	}
}

func TestDecideDoesNotModifyInputs(t *testing.T) {
	seeds, shoot := testSeeds(), newShoot("eu-west-1", nil)
	if _, err := decision.Decide(shoot, seeds, decision.Inputs{}); err != nil {
		t.Fatal(err)
	}
	if shoot.Spec.SeedName != nil {
		t.Errorf("Decide() set spec.seedName to %s", *shoot.Spec.SeedName)
	}
	for i, s := range testSeeds() {
		if seeds[i].Name != s.Name {
			t.Errorf("Decide() reordered seeds: seeds[%d] = %s, want %s", i, seeds[i].Name, s.Name)
		}
	}
}

func TestParseRegionConfig(t *testing.T) {
	got, err := decision.ParseRegionConfig(map[string]string{"eu-west-1": "eu-west-2: 10\nus-east-1: 100\n"})
	if err != nil {
		t.Fatal(err)
	}
	if got["eu-west-1"]["eu-west-2"] != 10 || got["eu-west-1"]["us-east-1"] != 100 || len(got["eu-west-1"]) != 2 {
		t.Errorf("ParseRegionConfig() = %v", got)
	}
	if _, err := decision.ParseRegionConfig(map[string]string{"eu-west-1": "eu-west-2: far"}); err == nil {
		t.Error("ParseRegionConfig() accepted a non-numeric distance")
	}
}
