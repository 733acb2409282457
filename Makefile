# Hortus developer entry points. `make help` lists them.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

ROOT        := $(abspath .)
BIN         := $(ROOT)/bin
GO          ?= go
GIT_VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo v0.0.0-dev)
LDFLAGS     := -X github.com/hortus-dev/hortus/pkg/version.gitVersion=$(GIT_VERSION)
# KUBE_VERSIONS lists the Kubernetes versions to build into bin/kube/<version>/; the first
# one is linked into bin/. Empty means the version pinned in hack/kube/go.mod.
KUBE_VERSIONS ?=
export KUBE_VERSIONS
# Tests find the binaries here.
export HORTUS_BIN_DIR := $(BIN)
TEST_TIMEOUT ?= 30m
# TEST_PKGS are the packages `make test` runs; all by default.
TEST_PKGS    ?= ./...
BENCH_TIME   ?= 1x

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build the hortus and hortus-etcd binaries into bin/.
	@mkdir -p $(BIN)
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/hortus ./cmd/hortus
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/hortus-etcd ./cmd/hortus-etcd

.PHONY: kube
kube: ## Build kube-apiserver, -controller-manager, -scheduler and kubectl into bin/ (only when inputs changed).
	@hack/kube/build.sh

.PHONY: test
test: build kube ## Run the whole suite: unit and integration tests (same as CI).
	@# On failure, the end of the output repeats what failed (hack/test/failures.sh).
	@log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	echo "$(GO) test -timeout $(TEST_TIMEOUT) $(TEST_PKGS)"; \
	if ! $(GO) test -timeout $(TEST_TIMEOUT) $(TEST_PKGS) 2>&1 | tee "$$log"; then hack/test/failures.sh "$$log"; exit 1; fi

.PHONY: test-unit
test-unit: ## Run only the unit tests (no binaries needed).
	$(GO) test -short ./pkg/... ./cmd/...

.PHONY: bench
bench: build kube ## Run the benchmarks and print their numbers.
	# -p 1: one package at a time, so that benchmarks that start landscapes do not share the CPU.
	$(GO) test -p 1 -run '^$$' -bench . -benchtime $(BENCH_TIME) -timeout 60m ./...

.PHONY: generate
generate: ## Regenerate generated code.
	hack/update-codegen.sh
	$(GO) generate ./...

.PHONY: verify
verify: ## Check formatting, vet, and that generated code and go.mod are up to date.
	@hack/verify.sh

.PHONY: up
up: build kube ## Start (or resume) the local landscape (garden + seed) in .hortus/. SEEDS=2 adds a seed.
	$(BIN)/hortus up $(if $(SEEDS),--seeds $(SEEDS))

.PHONY: down
down: ## Stop the local landscape, keeping its data (bin/hortus down --purge removes it).
	@if [ -x $(BIN)/hortus ]; then $(BIN)/hortus down; else echo "bin/hortus is not built: nothing runs."; fi

.PHONY: status
status: ## Show the local landscape's components and seeds.
	@$(BIN)/hortus status

.PHONY: clean
clean: ## Remove build outputs (bin/) but keep the state dir.
	rm -rf $(BIN)
