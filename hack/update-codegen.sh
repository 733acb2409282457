#!/usr/bin/env bash
# Regenerates
#   - the OpenAPI definitions in pkg/generated/openapi for every type the Hortus API server
#     serves (Gardener's API groups) and the Kubernetes types they reference, and
#   - the CustomResourceDefinitions of Gardener's extensions.gardener.cloud/v1alpha1 kinds in
#     pkg/extensioncrds/crds, which the gardenlet installs into its seed cluster, and next to them
#     machine-controller-manager's machine.sapcloud.io CRDs, copied from its module.
#
# The generators are built from hack/tools/go.mod, which pins k8s.io/kube-openapi to the version
# in the main go.mod, and run from the main module root so that the input packages resolve to
# the versions the server is compiled against.
set -euo pipefail
cd "$(dirname "$0")/.."

ROOT=$(pwd)
TOOLS_BIN="${ROOT}/bin/tools"
OUT_PKG=github.com/hortus-dev/hortus/pkg/generated/openapi
OUT_DIR=pkg/generated/openapi

# Input packages. Gardener's packages carry
# +k8s:openapi-model-package tags and OpenAPIModelName() methods, so their definitions are
# keyed by model name ("com.github.gardener.gardener.pkg.apis.core.v1beta1.Shoot"), as are the
# Kubernetes ones ("io.k8s.api.core.v1.Secret"). Add a package here when a served type starts
# referencing a new one; TestReferencesResolve in pkg/generated/openapi catches the omission.
INPUT_PKGS=(
	k8s.io/apimachinery/pkg/apis/meta/v1
	k8s.io/apimachinery/pkg/runtime
	k8s.io/apimachinery/pkg/version
	k8s.io/apimachinery/pkg/api/resource
	k8s.io/apimachinery/pkg/util/intstr
	k8s.io/api/core/v1
	k8s.io/api/autoscaling/v1
	k8s.io/api/rbac/v1
	k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1
	github.com/gardener/gardener/pkg/apis/core/v1beta1
	github.com/gardener/gardener/pkg/apis/core/v1
	github.com/gardener/gardener/pkg/apis/security/v1alpha1
	github.com/gardener/gardener/pkg/apis/seedmanagement/v1alpha1
	github.com/gardener/gardener/pkg/apis/authentication/v1alpha1
)

# The generated code calls into k8s.io/kube-openapi/pkg/common at the main module's version, so
# the generator must come from the same version.
want=$(go list -m -f '{{.Version}}' k8s.io/kube-openapi)
have=$(cd hack/tools && go list -m -f '{{.Version}}' k8s.io/kube-openapi)
if [[ "${want}" != "${have}" ]]; then
	echo "hack/tools/go.mod pins k8s.io/kube-openapi ${have}, the main go.mod has ${want}: align them" >&2
	exit 1
fi

mkdir -p "${TOOLS_BIN}" "${OUT_DIR}"
(cd hack/tools && go build -o "${TOOLS_BIN}/openapi-gen" k8s.io/kube-openapi/cmd/openapi-gen)
(cd hack/tools && go build -o "${TOOLS_BIN}/controller-gen" sigs.k8s.io/controller-tools/cmd/controller-gen)

echo "openapi-gen: ${#INPUT_PKGS[@]} packages -> ${OUT_DIR}" >&2
rm -f "${OUT_DIR}/zz_generated.openapi.go"
# --output-model-name-file is deliberately not set: every input package already ships its
# zz_generated.model_name.go, and the inputs live in the read-only module cache.
# With --report-filename set to a file, known API rule violations (Gardener has some) do not
# fail the run; the committed report makes new ones show up in diffs.
"${TOOLS_BIN}/openapi-gen" \
	--output-dir "${OUT_DIR}" \
	--output-pkg "${OUT_PKG}" \
	--output-file zz_generated.openapi.go \
	--go-header-file hack/boilerplate.go.txt \
	--report-filename "${OUT_DIR}/api_violations.report" \
	"${INPUT_PKGS[@]}"

# The extension CRDs come from the kubebuilder markers on Gardener's types (scope, short names,
# status subresource, printer columns), as Gardener generates its own. The directory is emptied
# first so that a kind Gardener drops does not leave a stale file behind; the output depends only
# on the input package and the controller-gen version, so reruns leave no diff.
CRD_PKG=github.com/gardener/gardener/pkg/apis/extensions/v1alpha1
CRD_DIR=pkg/extensioncrds/crds
echo "controller-gen: ${CRD_PKG} -> ${CRD_DIR}" >&2
mkdir -p "${CRD_DIR}"
rm -f "${CRD_DIR}"/*.yaml
"${TOOLS_BIN}/controller-gen" crd paths="${CRD_PKG}/..." output:crd:dir="${CRD_DIR}"

# machine-controller-manager's CRDs (machine.sapcloud.io/v1alpha1: MachineClass, MachineDeployment,
# MachineSet, Machine) are copied as MCM ships them, from the module version in go.mod, so that
# the gardenlet installs them into its seed along with the extension CRDs. They land after
# controller-gen's run above, which emptied the directory. install sets a normal file mode: the
# module cache is read-only.
MCM_DIR=$(go list -m -f '{{.Dir}}' github.com/gardener/machine-controller-manager)
MCM_CRDS=("${MCM_DIR}"/kubernetes/crds/machine.sapcloud.io_*.yaml)
if [[ ! -e "${MCM_CRDS[0]}" ]]; then
	echo "no machine.sapcloud.io CRDs in ${MCM_DIR}/kubernetes/crds: has machine-controller-manager moved them?" >&2
	exit 1
fi
echo "copy: ${#MCM_CRDS[@]} CRDs of ${MCM_DIR#"$(go env GOMODCACHE)/"} -> ${CRD_DIR}" >&2
for f in "${MCM_CRDS[@]}"; do
	install -m 0644 "$f" "${CRD_DIR}/$(basename "$f")"
done
