# Two entry points for a fresh machine: `make demo` and `make test` (see README).
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench load

$(BIN)/.runtime: pyproject.toml
	@# PyICU (through normality) builds from source against ICU's headers
	@pkg-config --exists icu-uc 2>/dev/null || (apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libicu-dev pkg-config) || \
	  echo "warning: could not install libicu-dev; building PyICU may fail" >&2
	python3 -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -e .
	touch $@

# The test extras add pytest, playwright, ruff, mypy and the training stack (torch CPU).
$(BIN)/.test: $(BIN)/.runtime
	$(BIN)/pip install -q -e '.[test,train]'
	touch $@

demo: $(BIN)/.runtime
	$(BIN)/tipline demo

lint: $(BIN)/.test
	$(BIN)/ruff check src tests bench training
	$(BIN)/mypy

test: lint
	bash scripts/test-services.sh
	$(BIN)/pytest

bench: $(BIN)/.test
	$(BIN)/python bench/quality.py
	$(BIN)/python bench/speed.py
	$(BIN)/python bench/import_speed.py --service
	$(BIN)/python bench/public.py
	$(BIN)/python bench/batch_bench.py --reports 1000

# Locust against both apps on SQLite and PostgreSQL, with and without an attack (README).
$(BIN)/.load: $(BIN)/.runtime
	$(BIN)/pip install -q -e '.[test,load]'
	touch $@

load: $(BIN)/.load
	bash scripts/test-services.sh
	PYTHONPATH=src $(BIN)/python scripts/load.py
