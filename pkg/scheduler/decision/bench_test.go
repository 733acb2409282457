package decision_test

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	schedulerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/scheduler/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"

	"github.com/hortus-dev/hortus/pkg/scheduler/decision"
)

var benchRegions = []string{"eu-west-1", "eu-west-2", "eu-central-1", "us-east-1", "us-west-2", "ap-south-1", "ap-northeast-1", "sa-east-1"}

// benchGarden returns 100 seeds in eight regions, every seventh tainted, every tenth not
// ready and every fifth with room for 20 shoots, and 1,000 shoots spread over the same regions,
// a third of them tolerating the taint and a tenth with a zonal control plane.
func benchGarden() ([]gardencorev1beta1.Seed, []*gardencorev1beta1.Shoot) {
	seeds := make([]gardencorev1beta1.Seed, 100)
	for i := range seeds {
		seeds[i] = newSeed(fmt.Sprintf("seed-%03d", i), "aws", benchRegions[i%len(benchRegions)], fmt.Sprintf("10.%d", i), func(s *gardencorev1beta1.Seed) {
			s.Labels = map[string]string{"env": []string{"prod", "dev"}[i%2]}
			if i%7 == 0 {
				s.Spec.Taints = []gardencorev1beta1.SeedTaint{{Key: "dedicated", Value: ptr.To("team-a")}}
			}
			if i%10 == 3 {
				s.Status.Conditions[0].Status = gardencorev1beta1.ConditionFalse
			}
			if i%5 == 0 {
				s.Status.Allocatable = corev1.ResourceList{gardencorev1beta1.ResourceShoots: resource.MustParse("20")}
			}
		})
	}
	shoots := make([]*gardencorev1beta1.Shoot, 1000)
	for i := range shoots {
		shoots[i] = newShoot(benchRegions[i%len(benchRegions)], func(s *gardencorev1beta1.Shoot) {
			s.Name = fmt.Sprintf("shoot-%04d", i)
			if i%3 == 0 {
				tolerateTeamA(s)
			}
			if i%10 == 0 {
				s.Spec.ControlPlane = &gardencorev1beta1.ControlPlane{HighAvailability: &gardencorev1beta1.HighAvailability{
					FailureTolerance: gardencorev1beta1.FailureTolerance{Type: gardencorev1beta1.FailureToleranceTypeZone},
				}}
			}
		})
	}
	return seeds, shoots
}

// BenchmarkDecide schedules 1,000 shoots onto 100 seeds one after the other, counting each
// decision towards the next, and reports decisions per second.
func BenchmarkDecide(b *testing.B) {
	seeds, shoots := benchGarden()
	for _, strategy := range schedulerconfigv1alpha1.Strategies {
		b.Run(string(strategy), func(b *testing.B) {
			var (
				decisions int
				elapsed   time.Duration
			)
			for b.Loop() {
				in := decision.Inputs{
					Strategy:                 strategy,
					CloudProfileSeedSelector: &gardencorev1beta1.SeedSelector{ProviderTypes: []string{"aws"}},
					ShootsPerSeed:            make(map[string]int, len(seeds)),
				}
				start := time.Now()
				for _, shoot := range shoots {
					res, err := decision.Decide(shoot, seeds, in)
					if err != nil {
						b.Fatalf("Decide(%s) = %v", shoot.Name, err)
					}
					in.ShootsPerSeed[res.SeedName]++
				}
				elapsed += time.Since(start)
				decisions += len(shoots)
			}
			b.ReportMetric(float64(decisions)/elapsed.Seconds(), "decisions/s")
		})
	}
}
