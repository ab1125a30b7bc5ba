# netsec.zeek: one entry point for people and CI.
#   make test   every suite (what .ci/run calls)
#   make demo   start the controller emulator and run playbooks/demo.yml against it
#   make bench  benchmarks in tests/bench, printed as tables
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
BUILD := $(CURDIR)/.build
COLLECTIONS := $(BUILD)/collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/netsec/zeek
# Outside the work tree: inside it, ansible-test asks git for the files and .build is ignored.
SANITY_TREE := $(or $(TMPDIR),/tmp)/netsec-zeek-sanity/ansible_collections/netsec/zeek
# Debian packages the suites need (systemd-analyze verifies unit files; the real Zeek in
# ../shared/zeek needs libpcap, OpenSSL, zlib, Kerberos and ZeroMQ at run time).
APT_PACKAGES := systemd git apt-utils dpkg-dev gnupg libcap2-bin \
                libpcap0.8 libssl3 zlib1g libkrb5-3 libzmq5

export PATH := $(BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PYTHONPATH := $(COLLECTIONS)
export ANSIBLE_NOCOLOR := 1
export ANSIBLE_FORCE_COLOR := 0
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help venv collection system-deps test test-unit test-interop test-integration \
        test-roles test-real emulator-identifiers sanity lint build docs docs-update demo bench clean

help:
	@echo "make demo   - emulator + demo playbook (creates .venv)"
	@echo "make test   - every suite: unit, interop, integration, roles, real Zeek, sanity, lint, build, docs"
	@echo "make bench  - benchmarks (tests/bench)"

$(VENV)/.installed: requirements-dev.txt requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# The collection must be importable as ansible_collections.netsec.zeek.
collection: venv
	mkdir -p $(dir $(COLLECTION_LINK))
	ln -sfn $(CURDIR) $(COLLECTION_LINK)

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

test: collection system-deps test-unit test-interop test-integration test-examples test-roles test-real test-zeek9 \
      test-ecosystem test-matrix sanity lint build docs
	@echo "make test: all suites passed"

test-unit: collection
	$(BIN)/pytest -q -p no:cacheprovider tests/unit

test-interop: collection
	$(BIN)/pytest -q -p no:cacheprovider tests/interop

test-integration: collection
	$(BIN)/pytest -q -p no:cacheprovider tests/integration

test-roles: collection system-deps
	@if [ -d tests/roles ]; then $(BIN)/pytest -q -p no:cacheprovider tests/roles; fi

# The real-Zeek tier (tests/real): Zeek from ZEEK_PREFIX, ZEEK_DIST or ../shared/zeek,
# unpacked once under .build/zeek. No Zeek anywhere: one line says the tier did not run.
# Where ../shared/zeek exists, a missing or broken Zeek fails like a failing test.
test-real: collection system-deps
	@rc=0; why=$$($(BIN)/python tests/real/zeek_dist.py --check) || rc=$$?; \
	if [ $$rc = 2 ]; then echo "$$why"; exit 0; fi; \
	if [ $$rc != 0 ]; then echo "$$why" >&2; exit 1; fi; \
	echo "$$why"; $(BIN)/pytest -q -p no:cacheprovider tests/real

# The emulator's get_id_value table, from real Zeek nodes of every role (commit the result).
emulator-identifiers: collection system-deps
	$(BIN)/python tests/real/gen_identifiers.py

# ansible-test wants a tree under ansible_collections/<ns>/<name> and, without
# network access to its bootstrap host, a get-pip stand-in in its cache.
sanity: collection
	rm -rf $(SANITY_TREE) && mkdir -p $(SANITY_TREE)
	git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents {} $(SANITY_TREE)/ 2>/dev/null || true
	mkdir -p $(HOME)/.ansible/test/cache
	pipver=$$($(BIN)/python tools/ansible_test_pip_version.py); \
	  cp tools/ansible-test-get-pip.py $(HOME)/.ansible/test/cache/get_pip_$${pipver//./_}.py
	cd $(SANITY_TREE) && $(BIN)/ansible-test sanity --local --python 3.11 --color no 2>&1 | tee $(BUILD)/sanity.log
	@# A copy inside an ignored directory (TMPDIR under .build) makes ansible-test skip every target and pass.
	@if grep -q "All targets skipped" $(BUILD)/sanity.log; then \
	  echo "sanity checked nothing: $(SANITY_TREE) is inside a git-ignored directory; set TMPDIR elsewhere"; exit 1; fi

lint: collection
	$(BIN)/ansible-lint --profile production --offline

build: collection
	rm -rf $(BUILD)/dist && mkdir -p $(BUILD)/dist
	$(BIN)/ansible-galaxy collection build --force --output-path $(BUILD)/dist .

docs: collection
	$(BIN)/python tools/build_docs.py --check

# After changing a module's documentation: regenerate docs/modules and commit it.
docs-update: collection
	$(BIN)/python tools/build_docs.py

demo: demo-venv
	$(DEMO_VENV)/bin/python tools/demo.py

bench: collection
	$(BIN)/python -m tests.bench

clean:
	rm -rf $(VENV) $(BUILD)

include make/examples.mk
include make/zeek9.mk
include make/ecosystem.mk
