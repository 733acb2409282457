package component_test

import (
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/hortus-dev/hortus/pkg/component"
)

func names(groups [][]component.Component) [][]string {
	var out [][]string
	for _, g := range groups {
		var n []string
		for _, c := range g {
			n = append(n, c.Name)
		}
		out = append(out, n)
	}
	return out
}

func comp(name string, deps ...string) component.Component {
	return component.Component{Name: name, Binary: "b", DependsOn: deps}
}

func TestGroups(t *testing.T) {
	tests := []struct {
		name    string
		set     component.Set
		want    [][]string
		wantErr string
	}{
		{
			name: "independent components form one group in set order",
			set:  component.Set{Name: "s", Components: []component.Component{comp("b"), comp("a")}},
			want: [][]string{{"b", "a"}},
		},
		{
			name: "a chain becomes one group per link",
			set:  component.Set{Name: "s", Components: []component.Component{comp("c", "b"), comp("b", "a"), comp("a")}},
			want: [][]string{{"a"}, {"b"}, {"c"}},
		},
		{
			name: "a diamond starts both middles together",
			set: component.Set{Name: "s", Components: []component.Component{
				comp("top", "left", "right"), comp("left", "base"), comp("right", "base"), comp("base"),
			}},
			want: [][]string{{"base"}, {"left", "right"}, {"top"}},
		},
		{
			name:    "a cycle is an error that names its members",
			set:     component.Set{Name: "s", Components: []component.Component{comp("a", "b"), comp("b", "a"), comp("c")}},
			wantErr: "dependency cycle among a, b",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			groups, err := tt.set.Groups()
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(names(groups)).To(Equal(tt.want))
		})
	}
}

func TestValidate(t *testing.T) {
	probe := func(p *component.Probe) component.Component {
		c := comp("a")
		c.Readiness = p
		return c
	}
	withFile := func(path string) component.Component {
		c := comp("a")
		c.Files = []component.File{{Path: path}}
		return c
	}
	tests := []struct {
		name    string
		set     component.Set
		wantErr string
	}{
		{name: "valid", set: component.Set{Name: "s", Components: []component.Component{comp("a"), comp("b", "a")}}},
		{name: "no set name", set: component.Set{}, wantErr: "set has no name"},
		{name: "duplicate", set: component.Set{Name: "s", Components: []component.Component{comp("a"), comp("a")}}, wantErr: "listed twice"},
		{name: "no binary", set: component.Set{Name: "s", Components: []component.Component{{Name: "a"}}}, wantErr: "has no binary"},
		{name: "unknown dependency", set: component.Set{Name: "s", Components: []component.Component{comp("a", "x")}}, wantErr: "unknown component x"},
		{name: "absolute file", set: component.Set{Name: "s", Components: []component.Component{withFile("/etc/passwd")}}, wantErr: "must be relative"},
		{name: "escaping file", set: component.Set{Name: "s", Components: []component.Component{withFile("pki/../../x")}}, wantErr: "must be relative"},
		{name: "probe without action", set: component.Set{Name: "s", Components: []component.Component{probe(&component.Probe{})}}, wantErr: "exactly one"},
		{name: "probe with two actions", set: component.Set{Name: "s", Components: []component.Component{probe(&component.Probe{
			TCPSocket: &component.TCPSocketAction{Port: 1}, Exec: &component.ExecAction{Command: []string{"true"}},
		})}}, wantErr: "exactly one"},
		{name: "cycle", set: component.Set{Name: "s", Components: []component.Component{comp("a", "b"), comp("b", "a")}}, wantErr: "cycle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			err := tt.set.Validate()
			if tt.wantErr == "" {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
		})
	}
}

func TestExpand(t *testing.T) {
	vars := map[string]string{"HORTUS_WORKDIR": "/state/x", "A": "1"}
	tests := []struct{ in, want string }{
		{"--data-dir=$(HORTUS_WORKDIR)/data", "--data-dir=/state/x/data"},
		{"$(A)$(A)", "11"},
		{"$$(A)", "$(A)"},
		{"$(UNKNOWN)", "$(UNKNOWN)"},
		{"price $5", "price $5"},
		{"open $(A", "open $(A"},
		{"trailing $", "trailing $"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			NewWithT(t).Expect(component.Expand(tt.in, vars)).To(Equal(tt.want))
		})
	}
}

func TestHashChangesWithDescription(t *testing.T) {
	g := NewWithT(t)
	a := comp("a")
	b := comp("a")
	g.Expect(a.Hash()).To(Equal(b.Hash()))
	b.Args = []string{"--flag"}
	g.Expect(a.Hash()).NotTo(Equal(b.Hash()))
	c := comp("a")
	c.Files = []component.File{{Path: "f", Content: []byte("x")}}
	d := comp("a")
	d.Files = []component.File{{Path: "f", Content: []byte("y")}}
	g.Expect(c.Hash()).NotTo(Equal(d.Hash()), "file content must change the hash")
	g.Expect(strings.TrimSpace(a.Hash())).To(HaveLen(64))
}
