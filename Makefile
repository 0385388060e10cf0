# `make demo` and `make test` set everything up on a fresh machine: a venv in
# .venv (made if missing), the project and its test extras installed into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.foxlike-installed

.PHONY: install demo test bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/foxlike demo

test: install
	$(BIN)/python -m pytest
