package roundtrip_test

import (
	"testing"

	authenticationinstall "github.com/gardener/gardener/pkg/apis/authentication/install"
	coreinstall "github.com/gardener/gardener/pkg/apis/core/install"
	securityinstall "github.com/gardener/gardener/pkg/apis/security/install"
	seedmanagementinstall "github.com/gardener/gardener/pkg/apis/seedmanagement/install"
	"k8s.io/apimachinery/pkg/api/apitesting/roundtrip"
	"k8s.io/apimachinery/pkg/runtime"
)

var groups = map[string]roundtrip.InstallFunc{
	"core.gardener.cloud":           coreinstall.Install,
	"security.gardener.cloud":       securityinstall.Install,
	"seedmanagement.gardener.cloud": seedmanagementinstall.Install,
	"authentication.gardener.cloud": authenticationinstall.Install,
}

func TestRoundTripJSON(t *testing.T) {
	for name, install := range groups {
		t.Run(name, func(t *testing.T) {
			roundtrip.RoundTripTestForAPIGroup(t, install, fuzzerFuncs)
		})
	}
}

func TestRoundTripProtobuf(t *testing.T) {
	for name, install := range groups {
		t.Run(name, func(t *testing.T) {
			roundtrip.RoundTripProtobufTestForAPIGroup(t, install, fuzzerFuncs)
		})
	}
}

var _ = runtime.APIVersionInternal
