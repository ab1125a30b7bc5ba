# netsec.zeek ecosystem targets, included by the Makefile.
#
#   make test-matrix      unit, integration (and ecosystem) suites and ansible-test sanity on the
#                         oldest supported ansible-core (2.16, Python 3.10) and the newest (2.21, Python
#                         3.13); the current 2.19 job is the Makefile's own suites on .venv.
#                         MATRIX=skip opts out (machines without those Pythons); the Pythons are
#                         looked up in $(PYENV_ROOT)/versions, then on PATH.
#   make test-ecosystem   tests/ecosystem: inventory plugin, filters, doc attributes, tarball, EE
#   make changelog-lint   antsibull-changelog lint of changelogs/
#   make changelog        render CHANGELOG.md from changelogs/ (fragments are the unreleased version)
#   make demo-venv        the light venv `make demo` uses: ansible-core and requirements.txt only
#
# Every job has its own venv under .build/ (never .venv) and its own temporary directory,
# so `make -j2 test` may run any two of them at once. Each job prints its wall time.

MATRIX ?= run
PYENV_ROOT ?= $(HOME)/.pyenv
MATRIX_DIR := $(BUILD)/matrix
TOOLS := $(BUILD)/tools
DEMO_VENV := $(BUILD)/demo-venv
CHANGELOG_TREE := $(BUILD)/changelog/ansible_collections/netsec/zeek
# Outside the work tree (see the sanity jobs), one directory per work tree.
MATRIX_SANITY_BASE := $(if $(filter $(CURDIR)%,$(TMPDIR)),/tmp,$(or $(TMPDIR),/tmp))
MATRIX_SANITY_ROOT ?= $(MATRIX_SANITY_BASE)/netsec-zeek-matrix-$(shell echo $(CURDIR) | md5sum | cut -c1-8)
# The ansible-core releases of the matrix and the Python each runs on.
# Extra ansible-test sanity arguments, e.g. MATRIX_SANITY_ARGS="--test pep8 --test pylint".
MATRIX_SANITY_ARGS ?=
MATRIX_CORES := 2.16 2.21
MATRIX_PY_2.16 := 3.10
MATRIX_PY_2.21 := 3.13
# Suites whose results depend on ansible-core; websockets compatibility is a library matter,
# tested by the 2.19 job (its venv under .build/compat is shared by path).
MATRIX_INTEGRATION_ARGS := --ignore tests/integration/test_websockets_compat.py tests/integration
MATRIX_ECOSYSTEM_TESTS := tests/ecosystem/test_inventory.py tests/ecosystem/test_inventory_docs.py \
                          tests/ecosystem/test_filters.py tests/ecosystem/test_doc_attributes.py

.PHONY: test-matrix test-ecosystem tools changelog changelog-lint changelog-check demo-venv

# A pyenv build of Python $(1), else python$(1) on PATH; empty when neither runs.
find_python = $(shell for p in $(wildcard $(PYENV_ROOT)/versions/$(1).*/bin/python$(1)) \
                $$(command -v python$(1) 2>/dev/null); do "$$p" -c '' 2>/dev/null && { echo "$$p"; break; }; done)

# $(call timed,LABEL,COMMAND): run COMMAND, then print LABEL with its wall time (also on failure).
timed = start=$$(date +%s); rc=0; $(2) || rc=$$?; \
        echo "$(1): $$([ $$rc = 0 ] && echo pass || echo FAIL) in $$(( $$(date +%s) - start ))s" \
          | tee -a $(MATRIX_DIR)/times.txt; exit $$rc

define matrix_core
MATRIX_VENV_$(1) := $(MATRIX_DIR)/$(1)-py$(2)

$$(MATRIX_VENV_$(1))/.installed: tests/matrix/requirements-$(1).txt
	@py="$$(call find_python,$(2))"; if [ -z "$$$$py" ]; then \
	  echo "make: Python $(2) (for the ansible-core $(1) matrix jobs) is missing: install it (pyenv install $(2)) or run with MATRIX=skip"; \
	  exit 1; fi; \
	rm -rf $$(@D) && "$$$$py" -m venv $$(@D)
	$$(@D)/bin/python -m pip install --quiet --disable-pip-version-check -r $$<
	touch $$@

test-matrix-$(1)-unit: collection $$(MATRIX_VENV_$(1))/.installed
	@mkdir -p $(MATRIX_DIR)/runs
	@$$(call timed,matrix ansible-core $(1) Python $(2) unit,PATH=$$(MATRIX_VENV_$(1))/bin:$$$$PATH \
	  $$(MATRIX_VENV_$(1))/bin/pytest -q -p no:cacheprovider --basetemp=$(MATRIX_DIR)/runs/$(1)-unit tests/unit)

test-matrix-$(1)-integration: collection $$(MATRIX_VENV_$(1))/.installed
	@mkdir -p $(MATRIX_DIR)/runs
	@$$(call timed,matrix ansible-core $(1) Python $(2) integration,PATH=$$(MATRIX_VENV_$(1))/bin:$$$$PATH \
	  $$(MATRIX_VENV_$(1))/bin/pytest -q -p no:cacheprovider --basetemp=$(MATRIX_DIR)/runs/$(1)-integration \
	  $(MATRIX_INTEGRATION_ARGS))

test-matrix-$(1)-ecosystem: collection $$(MATRIX_VENV_$(1))/.installed
	@mkdir -p $(MATRIX_DIR)/runs
	@$$(call timed,matrix ansible-core $(1) Python $(2) ecosystem,PATH=$$(MATRIX_VENV_$(1))/bin:$$$$PATH \
	  $$(MATRIX_VENV_$(1))/bin/pytest -q -p no:cacheprovider --basetemp=$(MATRIX_DIR)/runs/$(1)-ecosystem \
	  $(MATRIX_ECOSYSTEM_TESTS))

# ansible-test wants the tree under ansible_collections/netsec/zeek, outside this git work
# tree (inside it, ansible-test asks git for the files, finds none under .build and skips
# every target); each core gets its own copy.
test-matrix-$(1)-sanity: collection $$(MATRIX_VENV_$(1))/.installed
	@mkdir -p $(MATRIX_DIR)
	rm -rf $(MATRIX_SANITY_ROOT)/$(1) && mkdir -p $(MATRIX_SANITY_ROOT)/$(1)/tmp \
	  $(MATRIX_SANITY_ROOT)/$(1)/ansible_collections/netsec/zeek
	git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents {} \
	  $(MATRIX_SANITY_ROOT)/$(1)/ansible_collections/netsec/zeek/ 2>/dev/null || true
	mkdir -p $(HOME)/.ansible/test/cache
	pipver=$$$$($$(MATRIX_VENV_$(1))/bin/python tools/ansible_test_pip_version.py); \
	  cp tools/ansible-test-get-pip.py $(HOME)/.ansible/test/cache/get_pip_$$$${pipver//./_}.py
	@cd $(MATRIX_SANITY_ROOT)/$(1)/ansible_collections/netsec/zeek && \
	  $$(call timed,matrix ansible-core $(1) Python $(2) sanity,TMPDIR=$(MATRIX_SANITY_ROOT)/$(1)/tmp \
	  PATH=$$(MATRIX_VENV_$(1))/bin:$$$$PATH $$(MATRIX_VENV_$(1))/bin/ansible-test sanity --local \
	  --python $(2) --color no $(MATRIX_SANITY_ARGS) 2>&1 | tee $(MATRIX_DIR)/$(1)-sanity.log && \
	  ! grep -q "All targets skipped" $(MATRIX_DIR)/$(1)-sanity.log)
	rm -rf $(MATRIX_SANITY_ROOT)/$(1)

MATRIX_JOBS += test-matrix-$(1)-unit test-matrix-$(1)-integration test-matrix-$(1)-ecosystem test-matrix-$(1)-sanity
.PHONY: test-matrix-$(1)-unit test-matrix-$(1)-integration test-matrix-$(1)-ecosystem test-matrix-$(1)-sanity
endef

$(foreach core,$(MATRIX_CORES),$(eval $(call matrix_core,$(core),$(MATRIX_PY_$(core)))))

ifeq ($(MATRIX),skip)
test-matrix:
	@echo "test-matrix: skipped (MATRIX=skip): ansible-core $(MATRIX_CORES) not tested"
else
test-matrix: $(MATRIX_JOBS)
	@echo "test-matrix: passed"; cat $(MATRIX_DIR)/times.txt 2>/dev/null | tail -n $(words $(MATRIX_JOBS)) || true
endif

# -- release tooling: its own venv, from a pinned requirements file ---------------------------

$(TOOLS)/.installed: tests/ecosystem/requirements-tools.txt
	rm -rf $(TOOLS) && $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	touch $@

tools: $(TOOLS)/.installed

test-ecosystem: collection tools changelog-lint changelog-check
	@mkdir -p $(MATRIX_DIR)
	@$(call timed,ecosystem ansible-core 2.19 (.venv),NETSEC_ZEEK_TOOLS_BIN=$(TOOLS)/bin \
	  $(BIN)/pytest -q -p no:cacheprovider --basetemp=$(BUILD)/ecosystem-tmp tests/ecosystem)

changelog-lint: tools
	$(TOOLS)/bin/antsibull-changelog lint
	$(TOOLS)/bin/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

# CHANGELOG.md shows the released versions (changelogs/changelog.yaml) and, as the version in
# galaxy.yml, what the fragments say. The release is made in a scratch copy: the fragments
# stay until the real `antsibull-changelog release`.
define render_changelog
	rm -rf $(BUILD)/changelog && mkdir -p $(CHANGELOG_TREE)
	git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents {} $(CHANGELOG_TREE)/ 2>/dev/null || true
	cd $(CHANGELOG_TREE) && ANSIBLE_COLLECTIONS_PATH=$(BUILD)/changelog PYTHONPATH= PATH=$(BIN):$$PATH \
	  $(TOOLS)/bin/antsibull-changelog release --version "$$(sed -n 's/^version: *//p' galaxy.yml)" \
	  --date 1970-01-01 >/dev/null
endef

changelog: tools collection
	$(render_changelog)
	cp $(CHANGELOG_TREE)/CHANGELOG.md CHANGELOG.md

changelog-check: tools collection
	$(render_changelog)
	@diff -u CHANGELOG.md $(CHANGELOG_TREE)/CHANGELOG.md || \
	  { echo "CHANGELOG.md does not match changelogs/: run make changelog"; exit 1; }

# -- the light demo venv ----------------------------------------------------------------------

# ansible-core and the modules' requirements only, at the versions requirements-dev.txt pins.
$(DEMO_VENV)/.installed: requirements.txt requirements-dev.txt
	rm -rf $(DEMO_VENV) && $(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
	  -c requirements-dev.txt -r requirements.txt ansible-core
	touch $@

demo-venv: $(DEMO_VENV)/.installed
