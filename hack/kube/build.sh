#!/usr/bin/env bash
# Builds the real Kubernetes binaries for each version in KUBE_VERSIONS into
# bin/kube/<version>/, and links the first (default) version's binaries into bin/.
#
# A version is rebuilt only when its inputs change: the stamp file
# bin/kube/<version>/.inputs holds a hash of the build inputs (go.mod, go.sum,
# main packages, Go version, this script).
#
# The default version is the one pinned in hack/kube/go.mod (committed go.sum).
# Any other version is built from a generated copy of this module in
# bin/kube/<version>/src, whose requirements are resolved through the module proxy.
set -euo pipefail

log() { printf '[kube] %s\n' "$*" >&2; }

root=$(cd "$(dirname "$0")/../.." && pwd)
kube_dir="$root/hack/kube"
pinned=$(grep -oE 'k8s.io/kubernetes v[0-9]+\.[0-9]+\.[0-9]+' "$kube_dir/go.mod" | head -n1 | cut -d' ' -f2)
[[ -n "$pinned" ]] || { log "cannot read the k8s.io/kubernetes version from hack/kube/go.mod"; exit 1; }
versions=${KUBE_VERSIONS:-$pinned}
components=(kube-apiserver kube-controller-manager kube-scheduler kubectl)

inputs_hash() { # dir version
	( cd "$1" && cat go.mod go.sum cmd/*/main.go; go version; cat "$kube_dir/build.sh"; echo "$2" ) | sha256sum | cut -d' ' -f1
}

prepare_src() { # version -> prints module dir
	local v=$1
	if [[ "$v" == "$pinned" ]]; then
		echo "$kube_dir"
		return
	fi
	local src="$root/bin/kube/$v/src" minor
	minor="v0.${v#v1.}"
	mkdir -p "$src"
	cp -r "$kube_dir/cmd" "$src/"
	{
		echo "module github.com/hortus-dev/hortus/hack/kube"
		echo
		echo "go 1.26.0"
		echo
		echo "require k8s.io/kubernetes $v"
		echo
		echo "replace ("
		grep -E '^\s+k8s.io/[a-z-]+ => ' "$kube_dir/go.mod" | awk -v m="$minor" '{print "\t"$1" => "$1" "m}'
		echo ")"
	} > "$src/go.mod"
	if [[ ! -s "$src/go.sum" ]]; then
		log "$v: resolving modules (first build of this version)"
		( cd "$src" && GOFLAGS=-mod=mod go mod tidy >&2 )
	fi
	echo "$src"
}

build_version() { # version
	local v=$1 out="$root/bin/kube/$1" src hash
	src=$(prepare_src "$v")
	hash=$(inputs_hash "$src" "$v")
	if [[ -f "$out/.inputs" && "$(cat "$out/.inputs")" == "$hash" ]] && \
		for c in "${components[@]}"; do [[ -x "$out/$c" ]] || exit 1; done; then
		log "$v: up to date in bin/kube/$v"
		return
	fi
	local major minor ldflags
	major=$(echo "${v#v}" | cut -d. -f1)
	minor=$(echo "${v#v}" | cut -d. -f2)
	ldflags=""
	for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		ldflags+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
		ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
	done
	mkdir -p "$out"
	log "$v: building ${components[*]} (about 10 minutes on 2 cores with a cold Go build cache, about 1 minute with a warm one)"
	for c in "${components[@]}"; do
		local start=$SECONDS
		log "$v: building $c"
		( cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $ldflags" -o "$out/$c.tmp" "./cmd/$c" )
		mv "$out/$c.tmp" "$out/$c"
		log "$v: built $c in $((SECONDS - start))s"
	done
	echo "$hash" > "$out/.inputs"
}

first=""
for v in $versions; do
	build_version "$v"
	[[ -n "$first" ]] || first=$v
done
for c in "${components[@]}"; do
	ln -sfn "kube/$first/$c" "$root/bin/$c"
done
log "default version $first linked into bin/"
