package decision_test

import (
	"errors"
	"fmt"

	schedulerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/scheduler/v1alpha1"

	"github.com/hortus-dev/hortus/pkg/scheduler/decision"
)

func ExampleDecide() {
	seeds := testSeeds() // aws-eu1 (eu-west-1), aws-eu2 (eu-west-2, tainted), aws-us1 (not ready), gcp-eu1

	// A shoot in eu-west-1 lands on the seed in its region.
	res, err := decision.Decide(newShoot("eu-west-1", nil), seeds, decision.Inputs{})
	fmt.Println(res.SeedName, err)

	// With MinimalDistance, a shoot in a region without seeds lands on the nearest one.
	res, err = decision.Decide(newShoot("eu-central-1", nil), seeds, decision.Inputs{Strategy: schedulerconfigv1alpha1.MinimalDistance})
	fmt.Println(res.SeedName, err)

	// A shoot that no seed can host gets every seed's reason.
	_, err = decision.Decide(newShoot("us-east-1", nil), seeds, decision.Inputs{})
	var noSeed *decision.NoSeedError
	if errors.As(err, &noSeed) {
		for _, r := range noSeed.Rejections {
			fmt.Printf("%s: %s\n", r.Seed, r.Reason)
		}
	}
	// Output:
	// aws-eu1 <nil>
	// aws-eu1 <nil>
	// aws-eu1: region eu-west-1 is not the shoot's region us-east-1 (strategy SameRegion)
	// aws-eu2: taint dedicated=team-a not tolerated
	// aws-us1: not ready (GardenletReady is Unknown)
	// gcp-eu1: provider type gcp is not the shoot's aws
}
