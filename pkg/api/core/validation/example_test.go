package validation_test

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/gardener/gardener/pkg/apis/core"

	"github.com/hortus-dev/hortus/pkg/api/core/validation"
)

// A Shoot is scheduled through the shoots/binding subresource only: the strategy of the shoots resource calls
// ValidateShootSeedNameUpdate, the strategy of shoots/binding calls ValidateShootBindingUpdate, and both call
// ValidateShootUpdate.
func ExampleValidateShootSeedNameUpdate() {
	oldShoot := &core.Shoot{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "garden-dev"}}
	newShoot := oldShoot.DeepCopy()
	newShoot.Spec.SeedName = ptr.To("seed-1")

	fmt.Println(validation.ValidateShootSeedNameUpdate(newShoot, oldShoot).ToAggregate())
	fmt.Println(validation.ValidateShootBindingUpdate(newShoot, oldShoot).ToAggregate())
	// Output:
	// spec.seedName: Forbidden: can only be changed through the shoots/binding subresource
	// <nil>
}
