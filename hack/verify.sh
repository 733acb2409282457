#!/usr/bin/env bash
# Checks what `make verify` promises: gofmt, go vet, go.mod tidy, and that `make generate`
# leaves the tree unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

fail=0
unformatted=$(gofmt -l $(git ls-files '*.go') 2>/dev/null || true)
if [[ -n "$unformatted" ]]; then
	echo "gofmt: these files need formatting (run gofmt -w):" >&2
	echo "$unformatted" >&2
	fail=1
fi

echo "go vet ./..." >&2
go vet ./... || fail=1
# hack/kube's mains are a few lines each; vetting them would type-check all of
# k8s.io/kubernetes with other build flags than `make kube` uses (a cold 10-minute
# compile), so only their formatting is checked above.

# golangci-lint (.golangci.yaml), built from the version pinned in hack/lint.
lint=bin/tools/golangci-lint
if [[ ! -x "$lint" || hack/lint/go.mod -nt "$lint" ]]; then
	echo "building golangci-lint from hack/lint (a few minutes the first time)" >&2
	mkdir -p bin/tools
	(cd hack/lint && go build -o ../../"$lint" github.com/golangci/golangci-lint/v2/cmd/golangci-lint)
fi
echo "golangci-lint run ./..." >&2
"$lint" run ./... || fail=1

before=$(cat go.mod go.sum | sha256sum)
go mod tidy
if [[ "$(cat go.mod go.sum | sha256sum)" != "$before" ]]; then
	echo "go.mod/go.sum were not tidy; 'go mod tidy' has fixed them now: review and commit the result" >&2
	fail=1
fi

before=$(git status --porcelain)
make -s generate
after=$(git status --porcelain)
if [[ "$before" != "$after" ]]; then
	echo "generated code is out of date: run 'make generate' and commit the result" >&2
	fail=1
fi

if [[ $fail -ne 0 ]]; then
	echo "verify: FAILED" >&2
	exit 1
fi
echo "verify: OK" >&2
