package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/hortus-dev/hortus/pkg/pki"
)

// fakeKubeconfig is what the fake garden returns in status.kubeconfig.
const fakeKubeconfig = "apiVersion: v1\nkind: Config\ncurrent-context: garden-dev--s1-external\n"

// fakeGarden serves shoots/adminkubeconfig and shoots/viewerkubeconfig of
// core.gardener.cloud/v1beta1 and records the requests.
type fakeGarden struct {
	*httptest.Server
	// respond answers one request; the default answers like the garden does.
	respond func(w http.ResponseWriter, body map[string]any)

	mu       sync.Mutex
	requests []recordedRequest
}

type recordedRequest struct {
	method, path, contentType, authorization string
	body                                     map[string]any
}

func newFakeGarden(t *testing.T) *fakeGarden {
	t.Helper()
	g := &fakeGarden{}
	g.respond = func(w http.ResponseWriter, body map[string]any) {
		body["status"] = map[string]any{
			"kubeconfig":          []byte(fakeKubeconfig),
			"expirationTimestamp": "2030-01-02T03:04:05Z",
		}
		writeJSON(w, http.StatusCreated, body)
	}
	g.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		// The answer starts from a copy of the request, which the recorded one must outlive.
		body, answer := map[string]any{}, map[string]any{}
		_ = json.Unmarshal(data, &body)
		_ = json.Unmarshal(data, &answer)
		g.mu.Lock()
		g.requests = append(g.requests, recordedRequest{
			method: r.Method, path: r.URL.Path, contentType: r.Header.Get("Content-Type"),
			authorization: r.Header.Get("Authorization"), body: body,
		})
		g.mu.Unlock()
		g.respond(w, answer)
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *fakeGarden) recorded() []recordedRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]recordedRequest(nil), g.requests...)
}

// kubeconfig writes a kubeconfig for the fake garden, with namespace in its context, to a
// file in dir and returns its path.
func (g *fakeGarden) kubeconfig(t *testing.T, dir, namespace string) string {
	t.Helper()
	cfg, err := clientcmd.Load(mustKubeconfigBytes(t, pki.Kubeconfig{
		ClusterName: "garden",
		Server:      g.URL,
		CAPEM:       pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: g.Certificate().Raw}),
		Token:       "garden-token",
	}))
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	cfg.Contexts["garden"].Namespace = namespace
	path := filepath.Join(dir, "garden.kubeconfig")
	NewWithT(t).Expect(clientcmd.WriteToFile(*cfg, path)).To(Succeed())
	return path
}

func mustKubeconfigBytes(t *testing.T, k pki.Kubeconfig) []byte {
	t.Helper()
	b, err := k.Bytes()
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	return b
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// writeStatus answers with the Status of err, as an API server does.
func writeStatus(w http.ResponseWriter, err error) {
	var s apierrors.APIStatus
	if !errors.As(err, &s) {
		panic(err)
	}
	st := s.Status()
	st.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Status"}
	writeJSON(w, int(st.Code), st)
}

// runKubeconfig runs 'hortus kubeconfig args…' and returns its stdout and stderr.
func runKubeconfig(args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	cmd := newKubeconfigCommand()
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err = cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func TestKubeconfigCommand(t *testing.T) {
	shoots := schema.GroupResource{Group: "core.gardener.cloud", Resource: "shoots"}
	tests := []struct {
		name string
		// args come after --kubeconfig <fake garden>.
		args []string
		// respond replaces the fake garden's answer.
		respond func(w http.ResponseWriter, body map[string]any)
		// existing is the content of the -o file before the run.
		existing   string
		wantPath   string
		wantBody   map[string]any
		wantStdout string
		wantStderr string
		wantFile   bool
		wantErr    string
		noRequest  bool
	}{
		{
			name:     "admin kubeconfig to stdout",
			args:     []string{"s1", "-n", "garden-dev"},
			wantPath: "/apis/core.gardener.cloud/v1beta1/namespaces/garden-dev/shoots/s1/adminkubeconfig",
			wantBody: map[string]any{
				"apiVersion": "authentication.gardener.cloud/v1alpha1",
				"kind":       "AdminKubeconfigRequest",
				"spec":       map[string]any{"expirationSeconds": float64(3600)},
			},
			wantStdout: fakeKubeconfig,
		},
		{
			name:     "viewer kubeconfig of shoot/NAME into a file replaces its mode",
			args:     []string{"shoot/s1", "-n", "garden-dev", "--viewer", "--expiration", "2h", "-o", "OUT"},
			existing: "old content",
			wantPath: "/apis/core.gardener.cloud/v1beta1/namespaces/garden-dev/shoots/s1/viewerkubeconfig",
			wantBody: map[string]any{
				"apiVersion": "authentication.gardener.cloud/v1alpha1",
				"kind":       "ViewerKubeconfigRequest",
				"spec":       map[string]any{"expirationSeconds": float64(7200)},
			},
			wantStderr: "Wrote the viewer kubeconfig of shoot garden-dev/s1 to ",
			wantFile:   true,
		},
		{
			name:       "the namespace of the kubeconfig's context when -n is missing",
			args:       []string{"shoots/s1"},
			wantPath:   "/apis/core.gardener.cloud/v1beta1/namespaces/garden-ctx/shoots/s1/adminkubeconfig",
			wantStdout: fakeKubeconfig,
		},
		{
			name: "a capped validity is reported",
			args: []string{"s1", "-n", "garden-dev", "--expiration", "48h"},
			respond: func(w http.ResponseWriter, body map[string]any) {
				body["spec"] = map[string]any{"expirationSeconds": 86400}
				body["status"] = map[string]any{"kubeconfig": []byte(fakeKubeconfig)}
				writeJSON(w, http.StatusCreated, body)
			},
			wantBody:   map[string]any{"spec": map[string]any{"expirationSeconds": float64(172800)}},
			wantStdout: fakeKubeconfig,
			wantStderr: "The garden capped the validity at 24h0m0s.",
		},
		{
			name: "a conflict means the control plane is not ready",
			args: []string{"s1", "-n", "garden-dev"},
			respond: func(w http.ResponseWriter, _ map[string]any) {
				writeStatus(w, apierrors.NewConflict(shoots, "s1", errors.New("the shoot's control plane is not ready yet: no client CA (InternalSecret s1.ca-client)")))
			},
			wantErr: "the shoot's control plane is not ready yet; wait for status.lastOperation Succeeded (kubectl get shoot s1 -n garden-dev -w)",
		},
		{
			name: "a missing shoot",
			args: []string{"s1", "-n", "garden-dev"},
			respond: func(w http.ResponseWriter, _ map[string]any) {
				writeStatus(w, apierrors.NewNotFound(shoots, "s1"))
			},
			wantErr: "shoot s1 not found in namespace garden-dev (kubectl get shoots -n garden-dev)",
		},
		{
			name: "a garden without the subresource",
			args: []string{"s1", "-n", "garden-dev"},
			respond: func(w http.ResponseWriter, _ map[string]any) {
				writeStatus(w, apierrors.NewGenericServerResponse(http.StatusNotFound, "POST", schema.GroupResource{}, "", "", 0, false))
			},
			wantErr: "does not serve shoots/adminkubeconfig of core.gardener.cloud/v1beta1: is the kubeconfig the garden's?",
		},
		{
			name: "no right to ask",
			args: []string{"s1", "-n", "garden-dev", "--viewer"},
			respond: func(w http.ResponseWriter, _ map[string]any) {
				writeStatus(w, apierrors.NewForbidden(schema.GroupResource{Group: "core.gardener.cloud", Resource: "shoots/viewerkubeconfig"}, "s1", errors.New("RBAC: access denied")))
			},
			wantErr: "the garden does not let you create shoots/viewerkubeconfig in namespace garden-dev; ask an admin",
		},
		{
			name:      "too short an expiration is refused before asking",
			args:      []string{"s1", "-n", "garden-dev", "--expiration", "5m"},
			wantErr:   "--expiration 5m0s is too short: the garden issues kubeconfigs for at least 10m0s",
			noRequest: true,
		},
		{
			name:      "another kind of object",
			args:      []string{"seed/s1", "-n", "garden-dev"},
			wantErr:   `"seed/s1" is no shoot: name it as SHOOT or shoot/SHOOT`,
			noRequest: true,
		},
		{
			name:      "no shoot",
			args:      []string{"-n", "garden-dev"},
			wantErr:   "name one shoot: hortus kubeconfig SHOOT -n NAMESPACE",
			noRequest: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			garden := newFakeGarden(t)
			if tt.respond != nil {
				garden.respond = tt.respond
			}
			dir := t.TempDir()
			out := filepath.Join(dir, "shoot.kubeconfig")
			if tt.existing != "" {
				g.Expect(os.WriteFile(out, []byte(tt.existing), 0o644)).To(Succeed())
			}
			args := []string{"--kubeconfig", garden.kubeconfig(t, dir, "garden-ctx")}
			for _, a := range tt.args {
				if a == "OUT" {
					a = out
				}
				args = append(args, a)
			}

			stdout, stderr, err := runKubeconfig(args...)

			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
			} else {
				g.Expect(err).NotTo(HaveOccurred())
			}
			reqs := garden.recorded()
			if tt.noRequest {
				g.Expect(reqs).To(BeEmpty())
				return
			}
			g.Expect(reqs).To(HaveLen(1))
			r := reqs[0]
			g.Expect(r.method).To(Equal(http.MethodPost))
			g.Expect(r.contentType).To(Equal("application/json"))
			g.Expect(r.authorization).To(Equal("Bearer garden-token"))
			if tt.wantPath != "" {
				g.Expect(r.path).To(Equal(tt.wantPath))
			}
			for k, v := range tt.wantBody {
				g.Expect(r.body).To(HaveKeyWithValue(k, v))
			}
			g.Expect(stdout).To(Equal(tt.wantStdout))
			g.Expect(stderr).To(ContainSubstring(tt.wantStderr))
			if tt.wantFile {
				data, err := os.ReadFile(out)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(string(data)).To(Equal(fakeKubeconfig))
				fi, err := os.Stat(out)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(fi.Mode().Perm()).To(Equal(os.FileMode(0o600)))
				g.Expect(stderr).To(ContainSubstring("valid until " + time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC).Local().Format(time.RFC3339)))
				left, err := filepath.Glob(filepath.Join(dir, ".shoot.kubeconfig.*"))
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(left).To(BeEmpty(), "no temporary file is left behind")
			}
		})
	}
}

func TestKubeconfigCommandUnreachableGarden(t *testing.T) {
	g := NewWithT(t)
	garden := newFakeGarden(t)
	path := garden.kubeconfig(t, t.TempDir(), "")
	garden.Close()
	_, _, err := runKubeconfig("s1", "-n", "garden-dev", "--kubeconfig", path)
	g.Expect(err).To(MatchError(ContainSubstring("cannot reach the garden at " + garden.URL)))
}

// TestGardenKubeconfigResolution checks the order: --kubeconfig, $KUBECONFIG,
// .hortus/garden.kubeconfig, ~/.kube/config. It changes the working directory and the
// environment, so it does not run in parallel.
func TestGardenKubeconfigResolution(t *testing.T) {
	garden := newFakeGarden(t)
	dir := t.TempDir()
	t.Chdir(dir)
	g := NewWithT(t)

	t.Setenv("KUBECONFIG", "")
	rules := gardenLoadingRules("")
	g.Expect(rules.ExplicitPath).To(BeEmpty(), "without .hortus the default rules (~/.kube/config) apply")
	g.Expect(rules.Precedence).To(Equal([]string{clientcmd.RecommendedHomeFile}))

	g.Expect(os.MkdirAll(".hortus", 0o700)).To(Succeed())
	local := garden.kubeconfig(t, ".hortus", "garden-local")
	g.Expect(gardenLoadingRules("").ExplicitPath).To(Equal(local))
	g.Expect(gardenLoadingRules("explicit.kubeconfig").ExplicitPath).To(Equal("explicit.kubeconfig"))

	// End to end: the local landscape's kubeconfig, and the namespace of its context.
	stdout, _, err := runKubeconfig("local")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(stdout).To(Equal(fakeKubeconfig))
	g.Expect(garden.recorded()[0].path).To(Equal("/apis/core.gardener.cloud/v1beta1/namespaces/garden-local/shoots/local/adminkubeconfig"))

	t.Setenv("KUBECONFIG", filepath.Join(dir, "env.kubeconfig"))
	rules = gardenLoadingRules("")
	g.Expect(rules.ExplicitPath).To(BeEmpty(), "$KUBECONFIG wins over .hortus")
	g.Expect(rules.Precedence).To(Equal([]string{filepath.Join(dir, "env.kubeconfig")}))

	t.Setenv("KUBECONFIG", filepath.Join(dir, "missing.kubeconfig"))
	_, _, err = runKubeconfig("local")
	g.Expect(err).To(MatchError(ContainSubstring("no garden kubeconfig found: pass --kubeconfig, set KUBECONFIG, or start the local landscape with 'hortus up'")))
}
