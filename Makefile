# Archboard: `make run` serves the app, `make test` runs the whole suite. Both install what is
# missing first (venv, Python and JS packages, graphviz and fonts) and are fast the second time.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
STAMPS := .stamps

.PHONY: run test lint bench install system-deps test-deps bench-deps serve

$(STAMPS)/python: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/node: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@# npm does not run the SARIF multitool's install script that marks its binary executable.
	@chmod u+x node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool 2>/dev/null || true
	@mkdir -p $(STAMPS) && touch $@

# The load estimate compiled by mypyc (scripts/build_native.py): about twice as fast, used
# only while built from the current sources. Without a C compiler the pure-Python estimate runs.
NATIVE_SOURCES := $(addprefix whiteboard/domain/,estimate.py graphs.py palette.py)
$(STAMPS)/native: $(NATIVE_SOURCES) scripts/build_native.py $(STAMPS)/python
	@$(PY) scripts/build_native.py \
	  || echo "build_native: no compiled estimate on this machine (see above); the pure-Python one runs"
	@mkdir -p $(STAMPS) && touch $@

system-deps:
	@scripts/system-deps.sh

test-deps:
	@WITH_TESTS=1 scripts/system-deps.sh

bench-deps:
	@WITH_BENCH=1 scripts/system-deps.sh

install: system-deps $(STAMPS)/python $(STAMPS)/node $(STAMPS)/native

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	DEBUG=$${DEBUG:-1} HOST=$(HOST) PORT=$(PORT) $(PY) -m whiteboard.serve

test: install test-deps
	@scripts/run-tests.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

bench: install bench-deps
	$(PY) bench/run_all.py
