package registry_test

import (
	"context"
	"testing"

	"github.com/gardener/gardener/pkg/apis/core"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/hortus-dev/hortus/pkg/apiserver"
	"github.com/hortus-dev/hortus/pkg/apiserver/registry/core/shoot"
)

func minimalShoot() *core.Shoot {
	return &core.Shoot{
		ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "garden-dev"},
		Spec: core.ShootSpec{
			CloudProfile: &core.CloudProfileReference{Kind: "CloudProfile", Name: "local"},
			Region:       "local",
			Provider:     core.Provider{Type: "local"},
		},
	}
}

// decodeShoot decodes a v1beta1 Shoot as the server does: with Gardener's defaults.
func decodeShoot(t testing.TB, spec string) *core.Shoot {
	t.Helper()
	body := `{"apiVersion":"core.gardener.cloud/v1beta1","kind":"Shoot","metadata":{"name":"s","namespace":"garden-dev"},"spec":` + spec + `}`
	obj, _, err := apiserver.Codecs.UniversalDecoder(core.SchemeGroupVersion).Decode([]byte(body), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return obj.(*core.Shoot)
}

func TestShootWarningsLeaveOutDefaults(t *testing.T) {
	const base = `"cloudProfile":{"name":"local"},"region":"local","kubernetes":{"version":"1.33.0"}`
	const workers = `"workers":[{"name":"a","minimum":1,"maximum":2,"machine":{"type":"local"}},{"name":"b","minimum":1,"maximum":2,"machine":{"type":"local"},"cri":{"name":"containerd"}}]`
	tests := []struct {
		name string
		spec string
		want []string
	}{
		{name: "workerless, all defaults", spec: `{` + base + `,"provider":{"type":"local"}}`, want: nil},
		{name: "workers, all defaults", spec: `{` + base + `,"provider":{"type":"local",` + workers + `}}`, want: nil},
		{
			name: "a set kube-apiserver field",
			spec: `{` + base + `,"provider":{"type":"local"},"kubernetes":{"version":"1.33.0","kubeAPIServer":{"apiAudiences":["x"]}}}`,
			want: []string{"spec.kubernetes.kubeAPIServer is stored"},
		},
		{
			name: "a kube-apiserver default set explicitly",
			spec: `{` + base + `,"provider":{"type":"local"},"kubernetes":{"version":"1.33.0","kubeAPIServer":{"requests":{"maxMutatingInflight":200}}}}`,
			want: nil,
		},
		{
			name: "a time window of the user, which schedules etcd snapshots",
			spec: `{` + base + `,"provider":{"type":"local"},"maintenance":{"timeWindow":{"begin":"220000+0100","end":"230000+0100"}}}`,
			want: nil,
		},
		{
			name: "a worker's CRI other than the default",
			spec: `{` + base + `,"provider":{"type":"local","workers":[{"name":"a","minimum":1,"maximum":2,"machine":{"type":"local"},"cri":{"name":"containerd","containerRuntimes":[{"type":"gvisor"}]}}]}}`,
			want: []string{"spec.provider.workers[].cri is stored"},
		},
		{
			name: "a default that depends on another warned field",
			spec: `{` + base + `,"networking":{"ipFamilies":["IPv6"]},"provider":{"type":"local",` + workers + `}}`,
			want: []string{"spec.networking.ipFamilies is validated"},
		},
		{
			name: "a non-default auto update",
			spec: `{` + base + `,"provider":{"type":"local"},"maintenance":{"autoUpdate":{"kubernetesVersion":false}}}`,
			want: []string{"spec.maintenance.autoUpdate is stored"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			got := shoot.NewStrategy(apiserver.Scheme).WarningsOnCreate(context.Background(), decodeShoot(t, tt.spec))
			var matchers []any
			for _, w := range tt.want {
				matchers = append(matchers, HavePrefix(w))
			}
			g.Expect(got).To(ConsistOf(matchers...))
		})
	}
}

func TestShootWarnings(t *testing.T) {
	ctx := context.Background()
	strategy := shoot.NewStrategy(apiserver.Scheme)
	withAddons := minimalShoot()
	withAddons.Spec.Addons = &core.Addons{NginxIngress: &core.NginxIngress{Addon: core.Addon{Enabled: true}}}

	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{name: "create without unsupported fields", got: strategy.WarningsOnCreate(ctx, minimalShoot())},
		{
			name: "create with addons", got: strategy.WarningsOnCreate(ctx, withAddons),
			want: []string{"spec.addons is stored but not acted on by Hortus; see docs/api-compatibility.md"},
		},
		{
			name: "update that adds addons", got: strategy.WarningsOnUpdate(ctx, withAddons, minimalShoot()),
			want: []string{"spec.addons is stored but not acted on by Hortus; see docs/api-compatibility.md"},
		},
		{name: "update that keeps the spec", got: strategy.WarningsOnUpdate(ctx, withAddons, withAddons.DeepCopy())},
		{name: "status update", got: shoot.NewStatusStrategy(apiserver.Scheme).WarningsOnUpdate(ctx, withAddons, minimalShoot())},
		{name: "binding", got: shoot.NewBindingStrategy(apiserver.Scheme).WarningsOnUpdate(ctx, withAddons, minimalShoot())},
		{name: "a typer that cannot convert", got: shoot.NewStrategy(fakeTyper{}).WarningsOnCreate(ctx, withAddons)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			if len(tt.want) == 0 {
				g.Expect(tt.got).To(BeEmpty())
				return
			}
			g.Expect(tt.got).To(Equal(tt.want))
		})
	}
}

// fakeTyper is an ObjectTyper that is no ObjectConvertor.
type fakeTyper struct{}

func (fakeTyper) ObjectKinds(runtime.Object) ([]schema.GroupVersionKind, bool, error) {
	return nil, false, nil
}
func (fakeTyper) Recognizes(schema.GroupVersionKind) bool { return false }

func BenchmarkShootWarnings(b *testing.B) {
	s := decodeShoot(b, `{"cloudProfile":{"name":"local"},"region":"local","kubernetes":{"version":"1.33.0"},"provider":{"type":"local"},"addons":{"nginxIngress":{"enabled":true}}}`)
	strategy := shoot.NewStrategy(apiserver.Scheme)
	for b.Loop() {
		strategy.WarningsOnCreate(context.Background(), s)
	}
}
