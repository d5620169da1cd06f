# Two entry points for a fresh machine: `make demo` and `make test` (see README).
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench install

$(BIN)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -e '.[test,train]'
	touch $@

install: $(BIN)/.installed

demo: $(BIN)/.installed
	$(BIN)/tipline demo

test: $(BIN)/.installed
	bash scripts/test-services.sh
	$(BIN)/ruff check src tests bench training
	$(BIN)/mypy
	$(BIN)/pytest

bench: $(BIN)/.installed
	$(BIN)/python bench/quality.py
	$(BIN)/python bench/speed.py
