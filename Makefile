# Retail support decision services: the one entry point. `make help` lists targets.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
NATIVE_CLIENT := var/bench/unary_client
CODE := services models tests scripts bench frontend tools loadtest

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

.PHONY: install
install: $(STAMP) ## Install system packages, a .venv with pinned Python packages, the client stubs and the Node.js client packages

$(STAMP): pyproject.toml requirements.lock clients/python/pyproject.toml clients/node/package-lock.json $(wildcard deps/apt-*.txt)
	scripts/install-system-deps.sh
	scripts/install-node-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements.lock -e clients/python -e ".[dev,train,neural]"
	touch $@

.PHONY: protos
protos: $(STAMP) ## Regenerate the Python stubs in clients/python from protos/
	$(PY) -m scripts.protos generate

.PHONY: check-generated
check-generated: $(STAMP) ## Fail when the committed stubs differ from what protos/ generates
	$(PY) -m scripts.protos check

.PHONY: fmt
fmt: $(STAMP) ## Format and auto-fix the code (ruff)
	$(VENV)/bin/ruff format $(CODE)
	$(VENV)/bin/ruff check --fix $(CODE)

.PHONY: lint
lint: $(STAMP) ## ruff, ruff format check, mypy strict, buf lint, buf breaking against v1.0.0 and main
	$(VENV)/bin/ruff check $(CODE)
	$(VENV)/bin/ruff format --check $(CODE)
	$(VENV)/bin/mypy
	$(VENV)/bin/buf lint
	@echo "buf breaking against the v1.0.0 image (protos/v1.0.0.binpb)"
	$(VENV)/bin/buf breaking --against protos/v1.0.0.binpb
	@if git rev-parse -q --verify main >/dev/null && git cat-file -e main:protos 2>/dev/null; then \
	  echo "buf breaking against main"; $(VENV)/bin/buf breaking --against '.git#branch=main'; \
	else echo "buf breaking: main has no protos yet, skipped"; fi

.PHONY: test
test: $(STAMP) ## Run the whole test suite (unit and integration, real engines)
	$(PY) -m pytest

.PHONY: bench
bench: $(STAMP) $(NATIVE_CLIENT) ## Benchmarks: each figure a ratio against a baseline measured in the same run
	$(PY) -m bench

LOADTEST_SECONDS ?= 60
.PHONY: loadtest
loadtest: $(STAMP) ## Load test (Locust, headless) of the services and the desk: report and SLO gates in var/loadtest/ (LOADTEST_ARGS, LOADTEST_SECONDS)
	LOADTEST_SECONDS=$(LOADTEST_SECONDS) $(PY) -m loadtest $(LOADTEST_ARGS)

# The native gRPC client the bench measures serial latency with (besides the Python one).
$(NATIVE_CLIENT): bench/native/unary_client.cc deps/bench-apt.txt
	scripts/install-system-deps.sh deps/bench-apt.txt
	mkdir -p $(@D)
	g++ -O2 -std=c++17 -o $@ $< $$(pkg-config --cflags --libs grpc++)

.PHONY: eval
eval: $(STAMP) ## Evaluations: triage (sentiment, intents) and translation (BLEU/chrF vs raw apertium)
	$(PY) -m models.triage eval --train
	$(PY) -m models.translation eval

.PHONY: models
models: $(STAMP) ## Build the default models: fraud and wardrobing (promoted), triage (deterministic)
	$(PY) -m models build-defaults
	$(PY) -m models.triage train

.PHONY: run
run: $(STAMP) ## Run the three services and the support desk in the foreground (URL printed; Ctrl-C stops)
	$(PY) -m models build-defaults --if-missing
	$(PY) -m models.triage train --if-missing
	$(PY) -m frontend.support_desk.run

.PHONY: lock
lock: ## Re-pin requirements.lock from the current .venv
	$(PY) -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

IMAGE_PREFIX ?= retail-support
IMAGE_TAG ?= latest
# OCI labels: source defaults to the git remote origin, version to pyproject.toml's;
# revision (git commit) and created (now) are the build's (scripts/build_images.sh).
IMAGE_SOURCE ?=
IMAGE_VERSION ?=
# A builder called as `$(BUILD_IMAGE) CONTEXT DOCKERFILE TAG` (no Docker engine needed);
# used whenever set, docker build only when empty.
BUILD_IMAGE ?=

.PHONY: images
images: ## Build the three service images with OCI labels (BUILD_IMAGE=<builder> when set, else docker build)
	@IMAGE_PREFIX='$(IMAGE_PREFIX)' IMAGE_TAG='$(IMAGE_TAG)' BUILD_IMAGE='$(BUILD_IMAGE)' \
	  IMAGE_SOURCE='$(IMAGE_SOURCE)' IMAGE_VERSION='$(IMAGE_VERSION)' scripts/build_images.sh

.PHONY: clean
clean: ## Remove the venv, caches and built artifacts
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache var build
