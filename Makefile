# Two set-up commands on a fresh machine: `make demo` and `make test`.
# Each builds what it needs from nothing: .venv on Python 3.12 for the code,
# and .tools/ for the template checkers, which pin libraries (checkov's old
# `packaging`, SAM CLI's boto3) that must not share a venv with the tests.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYENV_ROOT ?= $(HOME)/.pyenv
PYTHON312 := $(firstword $(wildcard $(PYENV_ROOT)/versions/3.12*/bin/python3.12) $(shell command -v python3.12 2>/dev/null))
VENV := .venv
TOOLS := .tools
UV := $(VENV)/bin/uv
PY := $(VENV)/bin/python
SAM := $(TOOLS)/sam/bin/sam
CHECKOV := $(TOOLS)/checkov/bin/checkov
STATELINT := $(TOOLS)/statelint/node_modules/.bin/statelint

export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= us-east-1
# Tests start many Python processes (the CLI, the key agent, Lambda workers); each would compile every import
# again without cached bytecode. Dependencies are compiled at install; this lets our own modules be cached too.
unexport PYTHONDONTWRITEBYTECODE

SAM_TEMPLATES := template.yaml $(shell grep -l 'Transform: AWS::Serverless' $$(find user-cloud -name '*.yaml') 2>/dev/null)
ALL_TEMPLATES := template.yaml $(shell find user-cloud -name '*.yaml' | sort)
STATE_MACHINES := $(wildcard statemachines/*.asl.json)

.PHONY: help demo test unit checks sam-validate cfn-lint statelint checkov bench clean

help:
	@echo "make demo   run iMegha on the embedded local cloud and tell its story"
	@echo "make test   the test suite and the template checks"
	@echo "make bench  the speed and memory figures (slow: 1 GiB files)"

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON312)" ]; then echo "Python 3.12 not found (looked in $(PYENV_ROOT)/versions and on PATH): install it, e.g. 'pyenv install 3.12'" >&2; exit 1; fi
	@[ -x $(PY) ] || $(PYTHON312) -m venv $(VENV)
	@[ -x $(UV) ] || $(VENV)/bin/pip install --quiet --disable-pip-version-check uv
	$(UV) pip install --quiet --compile-bytecode --python $(PY) -e '.[dev]'
	@touch $@

$(TOOLS)/sam/.installed: $(VENV)/.installed
	$(UV) venv --quiet --allow-existing --python $(PYTHON312) $(TOOLS)/sam
	$(UV) pip install --quiet --python $(TOOLS)/sam/bin/python aws-sam-cli
	@touch $@

$(TOOLS)/checkov/.installed: $(VENV)/.installed
	$(UV) venv --quiet --allow-existing --python $(PYTHON312) $(TOOLS)/checkov
	$(UV) pip install --quiet --python $(TOOLS)/checkov/bin/python checkov
	@touch $@

$(TOOLS)/statelint/.installed:
	npm install --silent --no-audit --no-fund --prefix $(TOOLS)/statelint @wmfs/statelint
	@touch $@

demo: $(VENV)/.installed
	$(PY) -m imegha.demo

test: unit checks

unit: $(VENV)/.installed
	$(PY) -m pytest -n 2 -q

checks: sam-validate cfn-lint statelint checkov

sam-validate: $(TOOLS)/sam/.installed
	@for t in $(SAM_TEMPLATES); do $(SAM) validate --region us-east-1 --template $$t; done

cfn-lint: $(VENV)/.installed
	$(VENV)/bin/cfn-lint

statelint: $(TOOLS)/statelint/.installed
	@if [ -n "$(STATE_MACHINES)" ]; then $(STATELINT) $(STATE_MACHINES) && echo "statelint: $(words $(STATE_MACHINES)) state machine(s) valid"; else echo "statelint: no state machines yet"; fi

checkov: $(TOOLS)/checkov/.installed
	$(CHECKOV) --skip-download --framework cloudformation --quiet --compact $(addprefix -f ,$(ALL_TEMPLATES))

bench: $(VENV)/.installed
	@for b in bench/*_bench.py; do echo "== $$b"; $(PY) $$b; done

clean:
	rm -rf $(VENV) $(TOOLS) .aws-sam .pytest_cache
