# careerhub: `make setup`, `make test`, `make lint`, `make demo`.
# Set-up is idempotent: stamps skip reinstalls until pyproject.toml or package-lock.json change.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := setup

PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.careerhub-setup.stamp
NPM_STAMP := node_modules/.careerhub-setup.stamp
VENDOR := web/static/vendor

VENDOR_FILES := \
	$(VENDOR)/htmx.min.js \
	$(VENDOR)/axe.min.js \
	$(VENDOR)/chart.umd.min.js \
	$(VENDOR)/pico.classless.min.css

export UV_PYTHON_DOWNLOADS := never
# The uv cache and the venv may sit on different file systems: copy quietly.
export UV_LINK_MODE := copy

.PHONY: setup test lint demo

setup: $(PY_STAMP) $(VENDOR_FILES)

test: setup lint
	$(VPY) -m pytest -q

# The guard rails, configured in pyproject.toml: lint and layout (ruff), the layers (import-linter), types (mypy).
lint: $(PY_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

demo: setup
	$(VENV)/bin/careerhub demo

$(VENV)/pyvenv.cfg:
	$(PYTHON) -m venv $(VENV)

# uv (about 9 s cold) is far faster than pip (about 27 s) here; pip stays as the fallback.
$(PY_STAMP): pyproject.toml $(VENV)/pyvenv.cfg
	if { $(VPY) -m uv --version >/dev/null 2>&1 || $(VPY) -m pip install -q uv; } \
	   && $(VPY) -m uv pip install -q --python $(VPY) -e '.[dev]'; then :; \
	else echo "uv failed; falling back to pip" >&2; $(VPY) -m pip install -q -e '.[dev]'; fi
	touch $@

$(NPM_STAMP): package-lock.json package.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/htmx.min.js: $(NPM_STAMP)
	install -D -m 644 node_modules/htmx.org/dist/htmx.min.js $@
$(VENDOR)/axe.min.js: $(NPM_STAMP)
	install -D -m 644 node_modules/axe-core/axe.min.js $@
$(VENDOR)/chart.umd.min.js: $(NPM_STAMP)
	install -D -m 644 node_modules/chart.js/dist/chart.umd.min.js $@
$(VENDOR)/pico.classless.min.css: $(NPM_STAMP)
	install -D -m 644 node_modules/@picocss/pico/css/pico.classless.min.css $@
