# Two set-up commands on a fresh machine: `make demo` and `make test`.
# Each builds what it needs from nothing, from committed locks only: .venv on Python 3.12
# from uv.lock, and .tools/ for the template checkers from tools/*/ (hashed requirements and
# a package-lock.json), which pin libraries (checkov's old `packaging`, SAM CLI's boto3) that
# must not share a venv with the tests. `make upgrade` is the one step that moves a version.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYENV_ROOT ?= $(HOME)/.pyenv
PYTHON312 := $(firstword $(wildcard $(PYENV_ROOT)/versions/3.12*/bin/python3.12) $(shell command -v python3.12 2>/dev/null))
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/uv/bin/uv
PY := $(VENV)/bin/python
SAM := $(TOOLS)/sam/bin/sam
CHECKOV := $(TOOLS)/checkov/bin/checkov
STATELINT := $(TOOLS)/statelint/node_modules/.bin/statelint
# The browser's crypto module (web/src, TypeScript) as one ES module, and the browser its tests run in.
WEB_BUNDLE := web/dist/imegha-crypto.js
# The web app (web/src/app), built on it: what the local cloud serves and CloudFront serves in AWS.
WEB_APP := web/dist/app/app.js
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) $(wildcard layers/crypto/imegha_crypto/schemas/*.json)

export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= us-east-1
# uv reads only uv.lock and PyPI, never a machine's own pip settings.
export UV_NO_CONFIG := 1
export UV_PYTHON_DOWNLOADS := never
# Tests start many Python processes (the CLI, the key agent, Lambda workers); each would compile every import
# again without cached bytecode. Dependencies are compiled at install; this lets our own modules be cached too.
unexport PYTHONDONTWRITEBYTECODE

SAM_TEMPLATES := template.yaml $(shell grep -l 'Transform: AWS::Serverless' $$(find user-cloud -name '*.yaml') 2>/dev/null)
ALL_TEMPLATES := template.yaml $(shell find user-cloud release -name '*.yaml' | sort)
STATE_MACHINES := $(wildcard statemachines/*.asl.json)
# What `sam build` installs into each function and layer: exported from uv.lock by `make lock`.
LAMBDA_REQUIREMENTS := functions/requirements.txt user-cloud/functions/requirements.txt \
	layers/crypto/requirements.txt layers/service/requirements.txt
TOOL_REQUIREMENTS := tools/uv/requirements.txt tools/sam/requirements.txt tools/checkov/requirements.txt

.PHONY: help demo test lint types unit fuzz checks sam-validate cfn-lint statelint checkov bench load lock upgrade clean web web-lint chromium

help:
	@echo "make demo     run iMegha on the embedded local cloud and tell its story"
	@echo "make test     ruff, mypy, the test suite with coverage, and the template checks"
	@echo "make fuzz     every route fuzzed with hundreds of examples each, and a summary (make test runs a few)"
	@echo "make bench    the speed and memory figures (slow: 1 GiB files)"
	@echo "make load     the doorbell under load, then under faults: every event accounted for (slow; LOAD_ARGS=...)"
	@echo "make web      build the browser's crypto module (web/dist/imegha-crypto.js) and the web app (web/dist/app)"
	@echo "make lock     re-export the Lambda requirements and tool locks after editing pyproject.toml or tools/*/*.in"
	@echo "make upgrade  move every lock to the newest versions, kept only if make test and make demo pass"

$(TOOLS)/python312:
	@if [ -z "$(PYTHON312)" ]; then echo "Python 3.12 not found (looked in $(PYENV_ROOT)/versions and on PATH): install it, e.g. 'pyenv install 3.12'" >&2; exit 1; fi
	@mkdir -p $(TOOLS) && ln -sfn $(PYTHON312) $@

# uv itself, pinned by hash, in a venv of its own (uv sync would remove it from .venv).
$(TOOLS)/uv/.installed: tools/uv/requirements.txt | $(TOOLS)/python312
	@[ -x $(TOOLS)/uv/bin/python ] || $(TOOLS)/python312 -m venv $(TOOLS)/uv
	$(TOOLS)/uv/bin/pip install --quiet --disable-pip-version-check --isolated --require-hashes -r $<
	@touch $@

$(VENV)/.installed: uv.lock pyproject.toml $(TOOLS)/uv/.installed
	$(UV) sync --quiet --frozen --extra local --compile-bytecode --python $(TOOLS)/python312
	@touch $@

$(TOOLS)/%/.installed: tools/%/requirements.txt $(TOOLS)/uv/.installed
	$(UV) venv --quiet --allow-existing --python $(TOOLS)/python312 $(TOOLS)/$*
	$(UV) pip sync --quiet --require-hashes --python $(TOOLS)/$*/bin/python $<
	@touch $@

$(TOOLS)/statelint/.installed: tools/statelint/package.json tools/statelint/package-lock.json
	@mkdir -p $(TOOLS)/statelint && cp $^ $(TOOLS)/statelint/
	npm ci --silent --no-audit --no-fund --prefix $(TOOLS)/statelint
	@touch $@

# The web module's tools (esbuild, TypeScript, typescript-eslint), exactly as web/package-lock.json pins them.
web/node_modules/.installed: web/package.json web/package-lock.json
	npm ci --silent --no-audit --no-fund --prefix web
	@touch $@

web: $(WEB_BUNDLE) $(WEB_APP)

$(WEB_APP): web/node_modules/.installed $(WEB_SOURCES)
	npm run --silent --prefix web build:app

$(WEB_BUNDLE): web/node_modules/.installed $(WEB_SOURCES)
	npm run --silent --prefix web build

# Types with strict on, and typescript-eslint's strict type-checked rules.
web-lint: web/node_modules/.installed
	npm run --silent --prefix web typecheck
	npm run --silent --prefix web lint

# Debian's chromium for the browser tests (tests/browser): Playwright drives it and downloads no browser.
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }

demo: $(VENV)/.installed $(WEB_APP)
	$(PY) -m imegha_local.demo

test: lint types unit checks

# ruff's rules and format, as pyproject.toml sets them.
lint: $(VENV)/.installed web-lint
	$(VENV)/bin/ruff check
	$(VENV)/bin/ruff format --check

# mypy --strict where pyproject.toml's [tool.mypy] says (the layers and the SDK).
types: $(VENV)/.installed
	$(VENV)/bin/mypy

# The tests, with coverage per package (every process they start) held above its floor. The browser tests share
# one xdist group, so a single Chromium serves them all.
unit: $(VENV)/.installed $(WEB_BUNDLE) $(WEB_APP) chromium
	@rm -f .coverage .coverage.* coverage.json
	$(PY) -m pytest -n 2 --dist loadgroup -q --cov --cov-report= --cov-report=json:coverage.json
	$(PY) tools/coverage_floor.py coverage.json

# The fuzzer (tests/fuzz) with its big profile: hundreds of examples a route, each recorded for the summary.
FUZZ_STATS := .fuzz-stats.jsonl
fuzz: $(VENV)/.installed
	@rm -f $(FUZZ_STATS)
	IMEGHA_FUZZ_PROFILE=fuzz IMEGHA_FUZZ_STATS=$(FUZZ_STATS) $(PY) -m pytest -n 2 -q -p no:randomly -m fuzz tests/fuzz

checks: sam-validate cfn-lint statelint checkov

sam-validate: $(TOOLS)/sam/.installed
	@for t in $(SAM_TEMPLATES); do $(SAM) validate --region us-east-1 --template $$t; done

cfn-lint: $(VENV)/.installed
	$(VENV)/bin/cfn-lint

statelint: $(TOOLS)/statelint/.installed
	@if [ -n "$(STATE_MACHINES)" ]; then $(STATELINT) $(STATE_MACHINES) && echo "statelint: $(words $(STATE_MACHINES)) state machine(s) valid"; else echo "statelint: no state machines yet"; fi

checkov: $(TOOLS)/checkov/.installed
	$(CHECKOV) --skip-download --framework cloudformation --quiet --compact $(addprefix -f ,$(ALL_TEMPLATES))

bench: $(VENV)/.installed $(WEB_BUNDLE) chromium
	@for b in $(filter-out bench/load_bench.py,$(wildcard bench/*_bench.py)); do echo "== $$b"; $(PY) $$b; done

# The load run (bench/load_bench.py): its defaults, then a run under every fault at 10 %. Not part of make test,
# which runs a small one (tests/integration/test_load.py).
LOAD_ARGS ?=
LOAD_FAULT_ARGS ?= --clouds 200 --events 2000 --rate 5 --faults all=0.1
load: $(VENV)/.installed
	$(PY) bench/load_bench.py $(LOAD_ARGS)
	$(PY) bench/load_bench.py $(LOAD_FAULT_ARGS)

# UPGRADE=1 moves every pin to the newest release; without it, only what pyproject.toml or a *.in file changed.
lock: $(TOOLS)/uv/.installed
	$(UV) lock --quiet --python $(TOOLS)/python312 $(if $(UPGRADE),--upgrade)
	$(UV) export --quiet --frozen --no-hashes --no-emit-project --no-header --all-extras --all-groups -o $(TOOLS)/constraints.txt
	@for r in $(LAMBDA_REQUIREMENTS); do $(UV) pip compile --quiet --python-version 3.12 --python-platform linux --annotation-style line \
	  --constraints $(TOOLS)/constraints.txt --custom-compile-command "make lock" $${r%.txt}.in -o $$r; done
	@for r in $(TOOL_REQUIREMENTS); do $(UV) pip compile --quiet --generate-hashes --universal --python-version 3.12 --custom-compile-command "make lock" \
	  $(if $(UPGRADE),--upgrade) $${r%.txt}.in -o $$r; done
	cd tools/statelint && npm install --package-lock-only --silent --no-audit --no-fund --save-exact \
	  $(if $(UPGRADE),@wmfs/statelint@latest)
	cd web && npm install --package-lock-only --silent --no-audit --no-fund --save-exact --save-dev \
	  $(if $(UPGRADE),$(addsuffix @latest,$(shell node -p 'Object.keys(require("./web/package.json").devDependencies).join(" ")')))

# Re-resolves every lock to the newest versions, runs make test and make demo on them, and keeps the new locks
# only when both pass (otherwise the old ones are put back and the tools reinstalled from them).
upgrade: $(TOOLS)/uv/.installed
	tools/upgrade.sh

clean:
	rm -rf $(VENV) $(TOOLS) web/node_modules web/dist .aws-sam .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.* coverage.json $(FUZZ_STATS)
